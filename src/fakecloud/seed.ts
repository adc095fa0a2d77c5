/**
 * What a fresh fake cloud contains: flavors, networks and one public image, chosen so
 * upstream's test fixtures (`min-ram: 8192`, `name-filter: 'Fake'`, `net-id: some-uuid`,
 * `ipv6-uuid`, network names of node_net_name.yaml) run unchanged.
 */
import type { FlavorRecord } from './types.js';

/** Flavors, in the order Nova lists them (by id). */
export const SEED_FLAVORS: readonly FlavorRecord[] = [
  { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
  { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 },
  { id: '3', name: 'm1.medium', ram: 4096, vcpus: 2, disk: 40 },
  { id: '4', name: 'm1.large', ram: 8192, vcpus: 4, disk: 80 },
  // Compat: upstream's fake provider has exactly these two 8 GB flavors.
  { id: 'f1', name: 'Fake Flavor', ram: 8192, vcpus: 4, disk: 80 },
  { id: 'f2', name: 'Unreal Flavor', ram: 8192, vcpus: 4, disk: 80 },
  { id: 'f3', name: 'Fake Flavor Large', ram: 16384, vcpus: 8, disk: 160 },
];

/** One subnet of a seeded network. */
export interface SeedSubnet {
  name: string;
  ipVersion: 4 | 6;
  /** IPv4 CIDR inside 127.0.0.0/8; IPv6 subnets always hand out `::1`. */
  cidr: string;
}

/** A seeded network. A missing id gets a random UUID. */
export interface SeedNetwork {
  id?: string;
  name: string;
  isExternal: boolean;
  isShared: boolean;
  subnets: SeedSubnet[];
}

/** Networks of a fresh fake cloud. */
export const SEED_NETWORKS: readonly SeedNetwork[] = [
  {
    name: 'private',
    isExternal: false,
    isShared: true,
    subnets: [{ name: 'private-subnet', ipVersion: 4, cidr: '127.10.0.0/16' }],
  },
  // Floating IPs come from here.
  {
    name: 'public',
    isExternal: true,
    isShared: false,
    subnets: [{ name: 'public-subnet', ipVersion: 4, cidr: '127.20.0.0/16' }],
  },
  // Compat: fixture networks given by id (node.yaml and most others, node_ipv6.yaml).
  {
    id: 'some-uuid',
    name: 'some-network',
    isExternal: false,
    isShared: true,
    subnets: [{ name: 'some-subnet', ipVersion: 4, cidr: '127.11.0.0/16' }],
  },
  {
    id: 'ipv6-uuid',
    name: 'ipv6-network',
    isExternal: false,
    isShared: true,
    subnets: [
      { name: 'ipv6-network-v4', ipVersion: 4, cidr: '127.12.0.0/16' },
      { name: 'ipv6-network-v6', ipVersion: 6, cidr: '::1/128' },
    ],
  },
  // Compat: networks given by name in node_net_name.yaml.
  {
    name: 'fake-public-network-name',
    isExternal: true,
    isShared: true,
    subnets: [{ name: 'fake-public-subnet', ipVersion: 4, cidr: '127.21.0.0/16' }],
  },
  {
    name: 'fake-private-network-name',
    isExternal: false,
    isShared: true,
    subnets: [{ name: 'fake-private-subnet', ipVersion: 4, cidr: '127.13.0.0/16' }],
  },
];

/** Name of the network servers join when they ask for none. */
export const DEFAULT_NETWORK = 'private';
/** Name of the network floating IPs are allocated from by default. */
export const FLOATING_NETWORK = 'public';
/** Compat: upstream's fake lists one image, "Fake Precise". */
export const SEED_IMAGE_NAME = 'Fake Precise';
