/**
 * Records kept by the fake cloud. Field names are ours (camelCase); the `*-views` of each
 * service turn them into the JSON shapes the real APIs return.
 */

/** A Nova flavor. */
export interface FlavorRecord {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

/** Glance image statuses the fake uses (a subset of Glance's). */
export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted';

/** A Glance image. Only its size and checksums are kept, never its bytes. */
export interface ImageRecord {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: 'public' | 'private' | 'shared' | 'community';
  owner: string;
  diskFormat: string | null;
  containerFormat: string | null;
  size: number | null;
  checksum: string | null;
  hashValue: string | null;
  minRam: number;
  minDisk: number;
  isProtected: boolean;
  tags: string[];
  /** Extra properties, returned as top-level fields like Glance does. */
  properties: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** A Neutron network. */
export interface NetworkRecord {
  id: string;
  name: string;
  projectId: string;
  isExternal: boolean;
  isShared: boolean;
  mtu: number;
  subnetIds: string[];
  createdAt: string;
}

/** A Neutron subnet; addresses are handed out in order from its pool. */
export interface SubnetRecord {
  id: string;
  name: string;
  networkId: string;
  projectId: string;
  ipVersion: 4 | 6;
  cidr: string;
  gatewayIp: string | null;
  poolStart: string;
  poolEnd: string;
  createdAt: string;
}

/** A Neutron port (one per server NIC). */
export interface PortRecord {
  id: string;
  networkId: string;
  projectId: string;
  macAddress: string;
  deviceId: string;
  deviceOwner: string;
  fixedIps: Array<{ subnetId: string; ipAddress: string }>;
  createdAt: string;
  updatedAt: string;
}

/** A Neutron floating IP. */
export interface FloatingIpRecord {
  id: string;
  projectId: string;
  address: string;
  networkId: string;
  portId: string | null;
  fixedIp: string | null;
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/** Nova server statuses the fake produces. */
export type ServerStatus = 'BUILD' | 'ACTIVE' | 'ERROR';

/** A Nova server. */
export interface ServerRecord {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  status: ServerStatus;
  taskState: string | null;
  vmState: string;
  powerState: number;
  imageId: string;
  flavorId: string;
  availabilityZone: string;
  keyName: string | null;
  hasConfigDrive: boolean;
  metadata: Record<string, string>;
  /** Ids of the server's ports, in NIC order. */
  portIds: string[];
  fault: { code: number; message: string; created: string } | null;
  created: string;
  updated: string;
  launchedAt: string | null;
  hostId: string;
}

/** A Nova key pair. */
export interface KeypairRecord {
  name: string;
  projectId: string;
  userId: string;
  publicKey: string;
  fingerprint: string;
  type: string;
  createdAt: string;
}

/** An issued Keystone token. */
export interface TokenRecord {
  id: string;
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  domainId: string;
  domainName: string;
  issuedAt: number;
  expiresAt: number;
}
