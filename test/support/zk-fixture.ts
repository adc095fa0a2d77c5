/**
 * Per-test ZooKeeper fixture for test files: the shared server from global setup, a fresh
 * chroot `/nodepool-test/<uuid>` per test (deleted afterwards), and clients that are stopped
 * after the test. Also a way to expire a session the way Kazoo's test harness does.
 */
import { afterEach, beforeEach, inject } from 'vitest';
import zookeeper from 'node-zookeeper-client';
import { ZkClient } from '../../src/zk/index.js';
import type { ZkClientOptions } from '../../src/zk/index.js';
import type { CompiledZooKeeperServer } from '../../src/config/index.js';
import { makeTestChroot } from './zookeeper.js';
import { TcpProxy } from './tcp-proxy.js';
import { waitFor } from './wait-for.js';
import type { TestChroot, ZooKeeperAddress } from './zookeeper.js';

/** The shared server, or the reason there is none (print it when skipping). */
export function sharedZooKeeper(): { address: ZooKeeperAddress | null; reason: string } {
  const info = inject('zookeeper');
  if (info.available) return { address: { host: info.host, port: info.port }, reason: '' };
  return { address: null, reason: info.reason };
}

/** What a test gets from {@link useZkFixture}. */
export interface ZkFixture {
  /** This test's chroot. */
  readonly chroot: TestChroot;
  /** `zookeeper-servers` entries pointing at the shared server with this test's chroot. */
  readonly servers: CompiledZooKeeperServer[];
  /** A started client on this test's chroot (stopped after the test). */
  client(options?: Partial<ZkClientOptions>): Promise<ZkClient>;
  /** A started client on this test's chroot that reaches the server through a TcpProxy. */
  proxiedClient(options?: Partial<ZkClientOptions>): Promise<ZkClient>;
  /** A started client without chroot (stopped after the test). */
  rootClient(): Promise<ZkClient>;
  /** Registers something to stop after the test (before the chroot is removed). */
  defer(fn: () => Promise<void>): void;
}

const proxies = new WeakMap<ZkClient, TcpProxy>();

/** Sets up a chroot per test in the enclosing `describe`. */
export function useZkFixture(address: ZooKeeperAddress | null): ZkFixture {
  let chroot: TestChroot | null = null;
  let cleanups: Array<() => Promise<void>> = [];
  beforeEach(() => {
    if (address !== null) chroot = makeTestChroot([address]);
  });
  afterEach(async () => {
    const fns = cleanups.reverse();
    cleanups = [];
    for (const fn of fns) await fn();
    await chroot?.remove();
    chroot = null;
  });
  const current = (): TestChroot => {
    if (chroot === null) throw new Error('ZooKeeper fixture used outside a test');
    return chroot;
  };
  const fixture: ZkFixture = {
    get chroot() {
      return current();
    },
    get servers() {
      return current().servers;
    },
    async client(options = {}) {
      const c = new ZkClient({ servers: current().servers, ...options });
      cleanups.push(() => c.stop());
      await c.start();
      return c;
    },
    async proxiedClient(options = {}) {
      if (address === null) throw new Error('no ZooKeeper');
      const proxy = await TcpProxy.start(address);
      cleanups.push(() => proxy.stop());
      const servers = [{ host: '127.0.0.1', port: proxy.port, chroot: current().path }];
      const c = new ZkClient({ servers, ...options });
      proxies.set(c, proxy);
      cleanups.push(() => c.stop());
      await c.start();
      return c;
    },
    async rootClient() {
      if (address === null) throw new Error('no ZooKeeper');
      const c = new ZkClient({ servers: [{ host: address.host, port: address.port }] });
      cleanups.push(() => c.stop());
      await c.start();
      return c;
    },
    defer(fn) {
      cleanups.push(fn);
    },
  };
  return fixture;
}

/** The TcpProxy between a client made with {@link ZkFixture.proxiedClient} and its server. */
export function proxyOf(client: ZkClient): TcpProxy {
  const proxy = proxies.get(client);
  if (proxy === undefined) throw new Error('not a client from fx.proxiedClient()');
  return proxy;
}

/**
 * Expires the session of a client made with {@link ZkFixture.proxiedClient}: the proxy is
 * cut so the client cannot win its session back, a second connection joins the session
 * directly and closes it (the trick Kazoo's and ZooKeeper's test harnesses use), then the
 * proxy reopens. The client sees `lost` when it reconnects and opens a new session.
 */
export async function expireSession(client: ZkClient, address: ZooKeeperAddress): Promise<void> {
  const proxy = proxies.get(client);
  if (proxy === undefined) throw new Error('expireSession needs a client from fx.proxiedClient()');
  const creds = client.sessionCredentials();
  if (creds === null) throw new Error('client has no session');
  let lost = false;
  const unsubscribe = client.onSessionEvent((e) => {
    if (e.kind === 'lost') lost = true;
  });
  try {
    proxy.pause();
    await closeSessionFromOutside(creds, client.sessionTimeoutMs, address);
    proxy.resume();
    await waitFor(() => lost, { timeoutMs: 20_000, what: 'the client to report its session lost' });
  } finally {
    proxy.resume();
    unsubscribe();
  }
}

/** Joins a session with its id and password, then closes it. */
async function closeSessionFromOutside(
  creds: { id: Buffer; password: Buffer },
  sessionTimeoutMs: number,
  address: ZooKeeperAddress,
): Promise<void> {
  const other = zookeeper.createClient(`${address.host}:${address.port}`, {
    sessionId: creds.id,
    sessionPassword: creds.password,
    sessionTimeout: sessionTimeoutMs,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('second handle did not connect')), 10_000);
    other.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    other.connect();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('second handle did not close')), 10_000);
    other.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
    other.close();
  });
}
