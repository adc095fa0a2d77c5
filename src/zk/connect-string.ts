/**
 * Turns `zookeeper-servers` entries into a host list and one chroot, and maps paths between
 * the chroot-relative form every caller uses and the absolute form sent to the server.
 */
import type { CompiledZooKeeperServer } from '../config/index.js';

/** Where to connect: `hosts` is `h1:p1,h2:p2`; `chroot` is `''` or `/a/b` (no trailing `/`). */
export interface ZkConnectTarget {
  readonly hosts: string;
  readonly chroot: string;
}

/**
 * Builds the host list and chroot from config entries. Entries are keyed by `host:port`, so
 * duplicates collapse (as upstream). The chroot is applied once for every server — upstream
 * appended it to each entry, which Kazoo reads as one server with a bogus chroot.
 *
 * @throws RangeError when the list is empty, a chroot lacks its leading `/`, or entries name
 *   different chroots.
 */
export function buildConnectTarget(servers: readonly CompiledZooKeeperServer[]): ZkConnectTarget {
  if (servers.length === 0) {
    throw new RangeError('Cannot connect to ZooKeeper: no zookeeper-servers are configured');
  }
  const hosts = new Map<string, string>();
  const chroots = new Set<string>();
  for (const [i, s] of servers.entries()) {
    hosts.set(`${s.host}_${s.port}`, `${s.host}:${s.port}`);
    if (s.chroot === undefined || s.chroot === '') continue;
    if (!s.chroot.startsWith('/')) {
      throw new RangeError(
        `Cannot use zookeeper-servers[${i}].chroot: it must start with "/": current value is "${s.chroot}"`,
      );
    }
    const trimmed = s.chroot.replace(/\/+$/, '');
    validatePath(trimmed === '' ? '/' : trimmed);
    chroots.add(trimmed);
  }
  if (chroots.size > 1) {
    throw new RangeError(
      `Cannot use zookeeper-servers: every entry must name the same chroot: current values are ${[
        ...chroots,
      ]
        .map((c) => `"${c}"`)
        .join(', ')}`,
    );
  }
  return { hosts: [...hosts.values()].join(','), chroot: [...chroots][0] ?? '' };
}

/**
 * Checks a chroot-relative znode path: starts with `/`, no empty or relative segments, and no
 * trailing `/` unless `allowTrailingSlash` (sequential creates ask the server to append the
 * number to a parent path ending in `/`).
 *
 * @throws RangeError naming the path.
 */
export function validatePath(path: string, allowTrailingSlash = false): void {
  const bad = (why: string): never => {
    throw new RangeError(`Invalid znode path "${path}": ${why}`);
  };
  if (!path.startsWith('/')) bad('it must start with "/"');
  if (path === '/') return;
  const body = allowTrailingSlash && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.endsWith('/')) bad('it must not end with "/"');
  for (const seg of body.slice(1).split('/')) {
    if (seg === '') bad('it has an empty segment');
    if (seg === '.' || seg === '..') bad('it has a relative segment');
    if (seg.includes('\u0000')) bad('it contains a NUL character');
  }
}

/** Absolute server path of a chroot-relative path. */
export function toAbsolute(chroot: string, path: string): string {
  if (chroot === '') return path;
  return path === '/' ? chroot : chroot + path;
}

/** Chroot-relative path of an absolute server path (unchanged when outside the chroot). */
export function toRelative(chroot: string, path: string): string {
  if (chroot === '') return path;
  if (path === chroot) return '/';
  return path.startsWith(chroot + '/') ? path.slice(chroot.length) : path;
}

/** Parent of a path (`/a/b` → `/a`, `/a` → `/`). A trailing `/` counts as a child of its stem. */
export function parentPath(path: string): string {
  const stem = path.endsWith('/') && path !== '/' ? path.slice(0, -1) + '/x' : path;
  const i = stem.lastIndexOf('/');
  return i <= 0 ? '/' : stem.slice(0, i);
}
