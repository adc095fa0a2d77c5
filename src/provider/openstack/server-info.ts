/**
 * Maps Nova's server JSON to {@link ServerInfo}: status words, addresses (public/private v4,
 * public v6, as shade computed them) and fault class.
 */
import type { ServerFault, ServerInfo } from '../driver.js';
import type { NovaServer } from './nova.js';

/** What the mapping needs besides the server. */
export interface AddressContext {
  /** Names of networks with `router:external` (their fixed IPs are public). */
  externalNetworks: ReadonlySet<string>;
  ipv6Preferred: boolean;
}

/** True for IPv4 addresses that are not private, loopback, link-local or shared. */
export function isGloballyRoutableV4(addr: string): boolean {
  const p = addr.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n))) return false;
  const [a = 0, b = 0] = p;
  if (a === 10 || a === 127 || a === 0) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  return true;
}

function statusOf(s: NovaServer): ServerInfo['status'] {
  const st = (s.status ?? '').toUpperCase();
  if (s['OS-EXT-STS:task_state'] === 'deleting' || st === 'DELETED' || st === 'SOFT_DELETED')
    return 'deleting';
  if (st === 'BUILD' || st === 'REBUILD') return 'building';
  if (st === 'ACTIVE') return 'active';
  if (st === 'ERROR') return 'error';
  return 'other';
}

/** Classifies a Nova fault: quota, capacity (no valid host) or other. */
export function faultOf(s: NovaServer): ServerFault | undefined {
  if (!s.fault) return undefined;
  const message = s.fault.message ?? '';
  const code = s.fault.code;
  let cls: ServerFault['class'] = 'other';
  if (/quota/i.test(message) || code === 413) cls = 'quota';
  else if (/no valid host|insufficient|capacity/i.test(message)) cls = 'capacity';
  return { class: cls, message, ...(code !== undefined ? { code } : {}) };
}

interface Addr {
  net: string;
  addr: string;
  version: number;
  type: string;
}

function addressesOf(s: NovaServer): Addr[] {
  const out: Addr[] = [];
  for (const [net, list] of Object.entries(s.addresses ?? {})) {
    for (const a of list)
      out.push({ net, addr: a.addr, version: a.version, type: a['OS-EXT-IPS:type'] ?? 'fixed' });
  }
  return out;
}

/** Maps one Nova server. */
export function toServerInfo(s: NovaServer, ctx: AddressContext): ServerInfo {
  const addrs = addressesOf(s);
  const v4 = addrs.filter((a) => a.version === 4);
  const fixed4 = v4.filter((a) => a.type !== 'floating');
  const onExternal = (a: Addr): boolean => ctx.externalNetworks.has(a.net);
  const publicIpv4 =
    (s.accessIPv4 || undefined) ??
    v4.find((a) => a.type === 'floating')?.addr ??
    fixed4.find(onExternal)?.addr ??
    fixed4.find((a) => isGloballyRoutableV4(a.addr))?.addr;
  const privateIpv4 =
    fixed4.find((a) => !onExternal(a) && !isGloballyRoutableV4(a.addr))?.addr ??
    fixed4.find((a) => a.addr !== publicIpv4)?.addr;
  const publicIpv6 =
    (s.accessIPv6 || undefined) ??
    addrs.find((a) => a.version === 6 && !/^fe[89ab]/i.test(a.addr))?.addr;
  const publicIp = ctx.ipv6Preferred && publicIpv6 ? publicIpv6 : publicIpv4;
  const privateIp = privateIpv4 ?? publicIpv4;
  const image = typeof s.image === 'object' && s.image ? s.image.id : undefined;
  const fault = faultOf(s);
  const info: ServerInfo = {
    id: s.id,
    name: s.name,
    status: statusOf(s),
    rawStatus: s.status,
    metadata: { ...(s.metadata ?? {}) },
  };
  if (publicIpv4) info.publicIpv4 = publicIpv4;
  if (publicIpv6) info.publicIpv6 = publicIpv6;
  if (privateIpv4) info.privateIpv4 = privateIpv4;
  if (publicIp) info.publicIp = publicIp;
  if (privateIp) info.privateIp = privateIp;
  if (s['OS-EXT-AZ:availability_zone']) info.az = s['OS-EXT-AZ:availability_zone'];
  if (s.key_name) info.keyName = s.key_name;
  if (s.flavor?.id) info.flavorId = s.flavor.id;
  if (image) info.imageId = image;
  if (fault) info.fault = fault;
  if (s.created) info.created = s.created;
  return info;
}
