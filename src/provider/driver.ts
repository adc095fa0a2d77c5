/**
 * The provider driver contract: what the launcher, the builder and the CLI may ask of a cloud.
 *
 * In the contract: the {@link ProviderDriver} and {@link Provider} method set, the shapes
 * passed in and out ({@link ServerInfo}, {@link ImageInfo}, ...) and the error classes of
 * `errors.ts` each method throws. Not in the contract: how a driver talks to its cloud
 * (REST clients, caching, rate limiting are the driver's business), and any field of the
 * cloud's own JSON.
 *
 * Every method that talks to the cloud may throw a `ProviderError` subclass
 * (`ERR_PROVIDER_QUOTA`, `ResourceNotFoundError`, `ERR_PROVIDER_TIMEOUT`, ...) and rejects with
 * `signal.reason` when its signal aborts, or with ERR_PROVIDER_STOPPED once the provider
 * is stopped.
 */
import type { Logger } from 'pino';
import type { CompiledProvider } from '../config/index.js';
import type { Stats } from '../stats/index.js';
import type { Service } from '../util/index.js';
import type { Clock } from '../util/index.js';

/** Options of every cloud call. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of the waits. */
export interface WaitOptions extends CallOptions {
  timeoutMs: number;
}

/** Why a server failed, as a class the launcher acts on. */
export interface ServerFault {
  class: 'quota' | 'capacity' | 'other';
  code?: number;
  message: string;
}

/** A server as nodepool sees it. */
export interface ServerInfo {
  id: string;
  name: string;
  /** `other` covers states nodepool never asks for (SHUTOFF, PAUSED, ...). */
  status: 'building' | 'active' | 'deleting' | 'error' | 'other';
  /** The cloud's own status word, e.g. `BUILD`, `ACTIVE`, `ERROR`. */
  rawStatus: string;
  publicIpv4?: string;
  publicIpv6?: string;
  privateIpv4?: string;
  /**
   * The address nodepool uses (node `ip`): `publicIpv6` when the provider has
   * `ipv6-preferred` and the server has one, else `publicIpv4`.
   */
  publicIp?: string;
  /** Node `ip_private`: `privateIpv4`, else `publicIpv4` (multi-node jobs need one). */
  privateIp?: string;
  az?: string;
  keyName?: string;
  flavorId?: string;
  imageId?: string;
  metadata: Record<string, string>;
  fault?: ServerFault;
  /** ISO time the cloud created it. */
  created?: string;
}

/** What nodepool asks for when it boots a node. */
export interface CreateServerRequest {
  name: string;
  /** Cloud image id (the upload's `external_id`). */
  imageId: string;
  /** Smallest flavor with at least this RAM (MB)... */
  minRam: number;
  /** ...whose name contains this text. */
  nameFilter?: string;
  az?: string;
  keyName?: string;
  configDrive?: boolean;
  /** Node id written into the `nodepool` metadata (for subnodes: the parent's id). */
  nodeId?: number;
  /** Provider image name for the `groups`/`nodepool` metadata. */
  imageName?: string;
  /** Extra metadata keys (string values, ≤ 255 chars). */
  extraMetadata?: Record<string, string>;
  /**
   * 0.3-era template servers: the `snapshot_image` row id, written into the `nodepool`
   * metadata as `snapshot_image_id` (instead of a node id).
   */
  snapshotImageId?: number;
}

/** A snapshot of a server (0.3-era snapshot images). */
export interface CreateSnapshotRequest {
  /** Image name (0.3.1: the template server's hostname). */
  name: string;
  /** Image metadata (the provider image's `meta`). */
  metadata?: Record<string, string>;
  /** How long to wait for the image to become active. @default 21_600_000 (6 h, as 0.3.1) */
  timeoutMs?: number;
  /** Called with the new image id as soon as the cloud gives it, before the wait. */
  onCreated?(imageId: string): void | Promise<void>;
}

/** An image in the cloud. */
export interface ImageInfo {
  id: string;
  name: string;
  /** Lowercase cloud status: `queued`, `saving`, `active`, `killed`, `deleted`, ... */
  status: string;
  properties: Record<string, string>;
  created?: string;
  size?: number;
}

/** An image upload (docs/behaviour.md#image-names-and-upload). */
export interface UploadImageRequest {
  name: string;
  /** Local file, streamed from disk. */
  filename: string;
  /** `disk_format`: the provider's image-type (qcow2, raw, vhd, ...). */
  diskFormat: string;
  /** Extra properties (the provider image's `meta`, nodepool build/upload ids). */
  properties?: Record<string, string>;
  md5?: string;
  sha256?: string;
  /** How long to wait for the image to become active. @default 3_600_000 */
  timeoutMs?: number;
  /**
   * Called with the image id as soon as the cloud gives it (or an existing image is reused),
   * before the data is sent, so the caller can record it. When it rejects, the new image is
   * deleted and the upload fails with that error.
   */
  onCreated?(imageId: string): void | Promise<void>;
}

/** A cloud floating IP. */
export interface FloatingIpInfo {
  id: string;
  address: string;
  portId?: string;
  fixedAddress?: string;
}

/** The cloud's absolute limits and nodepool's view of what is used. */
export interface QuotaInfo {
  /** -1 means unlimited. */
  maxInstances: number;
  maxCores: number;
  maxRamMb: number;
  usedInstances: number;
  usedCores: number;
  usedRamMb: number;
}

/** What a driver's `create` receives besides the config. */
export interface ProviderDeps {
  log: Logger;
  stats: Stats;
  clock?: Clock;
  /** Timing knobs; defaults suit production. */
  tuning?: ProviderTuning;
}

/** Timing knobs of a provider (tests shorten them). */
export interface ProviderTuning {
  /** Age of the shared server list (docs/behaviour.md#list-caching). @default 5000 */
  serverListAgeMs?: number;
  /** Age of the server list while a launch waits for ACTIVE (at least 4 × `rate`). @default 500 */
  waitingListAgeMs?: number;
  /** Poll interval while waiting for ACTIVE (at most `waitingListAgeMs`). @default 2000 */
  activePollMs?: number;
  /** Poll interval while waiting for deletion. @default 2000 */
  deletePollMs?: number;
  /** Poll interval while waiting for an image. @default 5000 */
  imagePollMs?: number;
  /** How long a floating IP may take to show on the server. @default 120_000 */
  floatingIpTimeoutMs?: number;
  /** How long the cloud's absolute limits are cached. @default 300_000 */
  limitsAgeMs?: number;
  /** Refuse creates beyond the cloud's limits before asking. @default true */
  checkQuota?: boolean;
  /**
   * Calls of one provider that may be in flight at once; starts stay `rate` apart either
   * way. @default 8
   */
  maxInFlight?: number;
}

/** A cloud driver: turns a compiled provider config into a running {@link Provider}. */
export interface ProviderDriver {
  /** The `driver:` value it serves, e.g. `openstack`. */
  readonly name: string;
  /** Builds a provider; it does no I/O until `start()`. */
  create(config: CompiledProvider, deps: ProviderDeps): Provider;
}

/**
 * One configured cloud provider. Started by the provider set when it appears in the config,
 * stopped when it changes or goes away. All calls go through one rate-limited task queue.
 */
export interface Provider extends Service {
  readonly name: string;
  readonly config: CompiledProvider;

  /** Fetches flavors and limits once per pool loop so later calls find them cached. */
  refresh(o?: CallOptions): Promise<void>;
  /** Every server of the project, from the shared list (at most one list call per age). */
  listServers(o?: CallOptions): Promise<ServerInfo[]>;
  /** One server from the shared list; null when it is not there. */
  getServer(id: string, o?: CallOptions): Promise<ServerInfo | null>;
  /**
   * Boots a server with the `groups` and `nodepool` metadata; returns at once (no wait)
   * with what the create answered: status `building`, no addresses. A server that goes to
   * ERROR is reported by {@link waitForServer} (`ServerFailedError`).
   * @throws ProviderError `ERR_PROVIDER_QUOTA` before asking when the cloud's limits would be exceeded
   */
  createServer(req: CreateServerRequest, o?: CallOptions): Promise<ServerInfo>;
  /**
   * Waits until ACTIVE, then adds a floating IP when the server has no public address and the
   * cloud has an external network.
   * @throws ServerFailedError on ERROR
   * @throws ProviderError `ERR_PROVIDER_TIMEOUT` after `timeoutMs`
   */
  waitForServer(id: string, o: WaitOptions): Promise<ServerInfo>;
  /**
   * Deletes a server and the floating IPs on its ports (no wait).
   * @throws ResourceNotFoundError when it does not exist
   */
  deleteServer(id: string, o?: CallOptions): Promise<void>;
  /** Waits until the server is gone. @throws ProviderError `ERR_PROVIDER_TIMEOUT` after `timeoutMs` */
  waitForServerDeletion(id: string, o: WaitOptions): Promise<void>;
  /** Every image visible to the project (all pages). */
  listImages(o?: CallOptions): Promise<ImageInfo[]>;
  /** One image; null when it does not exist. */
  getImage(id: string, o?: CallOptions): Promise<ImageInfo | null>;
  /** Creates an image, streams the file, waits for `active`. */
  uploadImage?(req: UploadImageRequest, o?: CallOptions): Promise<ImageInfo>;
  /** Deletes an image. @throws ResourceNotFoundError when it does not exist */
  deleteImage(id: string, o?: CallOptions): Promise<void>;
  /**
   * Snapshots a server into an image and waits for it to be `active` (0.3-era snapshot
   * images). An image that fails or times out is deleted before this throws.
   * @throws ProviderError when the image ends `killed`/`deleted`; `ERR_PROVIDER_TIMEOUT`
   */
  createSnapshot?(
    serverId: string,
    req: CreateSnapshotRequest,
    o?: CallOptions,
  ): Promise<ImageInfo>;
  /** Imports a public key as a key pair (temporary key pairs of template servers). */
  createKeypair?(name: string, publicKey: string, o?: CallOptions): Promise<void>;
  /** Deletes a key pair. @throws ResourceNotFoundError when it does not exist */
  deleteKeypair?(name: string, o?: CallOptions): Promise<void>;
  /** Creates a floating IP on the server's port and waits for it to show; returns it. */
  addFloatingIp?(serverId: string, o?: CallOptions): Promise<string>;
  /** Every floating IP of the project. */
  listFloatingIps?(o?: CallOptions): Promise<FloatingIpInfo[]>;
  /** Deletes unattached floating IPs (`clean-floating-ips`); returns how many. */
  cleanFloatingIps?(o?: CallOptions): Promise<number>;
  /** The cloud's absolute limits and current use. */
  getQuota(o?: CallOptions): Promise<QuotaInfo>;
}
