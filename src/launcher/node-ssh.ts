/**
 * The SSH steps of a launch (docs/behaviour.md#reaching-the-node-over-ssh): the access check, the `/etc/nodepool` files and
 * the ready script on every node of a set (subnodes first, then the primary). Each step opens
 * its own session and closes it when done.
 */
import type { Logger } from 'pino';
import type { CompiledProvider, CompiledProviderImage } from '../config/index.js';
import {
  connectSsh,
  generateNodeSetKey,
  runReadyScript,
  writeNodepoolFiles,
} from '../ssh/index.js';
import { isFakeHost } from '../ssh/index.js';
import type { NodeAddress, NodeSetKey, SshSession } from '../ssh/index.js';
import type { SshSeam } from './hooks.js';

/** Where to reach a node over SSH. */
export function sshEndpoint(seam: SshSeam, ip: string, provider: CompiledProvider): { host: string; port: number } {
  if (seam.target) {
    const t = seam.target(ip, provider);
    return { host: t.host, port: t.port ?? 22 };
  }
  // Compat: upstream's fake provider gave servers the address "fake", which short-circuits SSH.
  if (provider.cloud.isFake) return { host: `fake-${ip}`, port: 22 };
  return { host: ip, port: 22 };
}

/** Stand-in key for node sets that only have fake hosts: their files are written nowhere. */
const FAKE_KEY: NodeSetKey = {
  privateKeyPem: '-----BEGIN RSA PRIVATE KEY-----\nfake\n-----END RSA PRIVATE KEY-----\n',
  publicKey: 'ssh-rsa fake',
};

/**
 * Starts making the node set's RSA 2048 key (docs/behaviour.md#files-on-the-node) early, so its CPU time (about
 * 0.3 s) overlaps the boot wait. A set reached only through fake hosts gets a stand-in key.
 * The promise never rejects unobserved: callers await it in {@link prepareNodeSet}.
 */
export function startNodeSetKey(seam: SshSeam, ip: string, provider: CompiledProvider): Promise<NodeSetKey> {
  if (isFakeHost(sshEndpoint(seam, ip, provider).host)) return Promise.resolve(FAKE_KEY);
  const p = generateNodeSetKey();
  p.catch(() => {});
  return p;
}

/** What the SSH steps need to log in to one node. */
export interface SshLogin {
  seam: SshSeam;
  provider: CompiledProvider;
  image: CompiledProviderImage;
  log: Logger;
  signal?: AbortSignal;
}

/** Connects as the image's user, retrying until `timeoutMs` (the provider's boot-timeout). */
export async function openSession(ip: string, login: SshLogin, timeoutMs: number): Promise<SshSession> {
  const { host, port } = sshEndpoint(login.seam, ip, login.provider);
  return connectSsh(host, {
    port,
    username: login.image.username,
    privateKey: login.image.privateKey,
    timeoutMs,
    ...(login.seam.retryDelayMs !== undefined ? { retryDelayMs: login.seam.retryDelayMs } : {}),
    ...(login.signal ? { signal: login.signal } : {}),
    log: login.log,
  });
}

/** Step 6: waits for SSH and runs the access check, then closes the session. */
export async function checkAccess(ip: string, login: SshLogin, timeoutMs: number): Promise<void> {
  const session = await openSession(ip, login, timeoutMs);
  await session.stop();
}

/** One node of a set, as the SSH steps see it. */
export interface SetMember extends NodeAddress {
  role: 'primary' | 'sub';
  hostname: string;
  externalId: string;
}

/** Everything {@link prepareNodeSet} needs. */
export interface NodeSetPlan {
  primary: SetMember;
  subnodes: SetMember[];
  az: string | null;
  readyScript?: string;
  bootTimeoutMs: number;
  /** From {@link startNodeSetKey}. */
  key: Promise<NodeSetKey>;
}

/**
 * Steps 9–10: writes the node files on every node, then runs the ready script (if any) on
 * every node; subnodes first, then the primary, as upstream.
 */
export async function prepareNodeSet(plan: NodeSetPlan, login: SshLogin): Promise<void> {
  const key: NodeSetKey = await plan.key;
  const members = [...plan.subnodes, plan.primary];
  const dir = login.seam.nodepoolDir;
  for (const m of members) {
    const session = await openSession(m.ip, login, plan.bootTimeoutMs);
    try {
      await writeNodepoolFiles(
        session,
        {
          role: m.role,
          node: { ip: m.ip, ipPrivate: m.ipPrivate, externalId: m.externalId },
          primary: { ip: plan.primary.ip, ipPrivate: plan.primary.ipPrivate },
          subnodes: plan.subnodes.map((s) => ({ ip: s.ip, ipPrivate: s.ipPrivate })),
          key,
          provider: login.provider.name,
          cloud: login.provider.cloud.cloudName ?? '',
          regionName: login.provider.cloud.regionName ?? login.provider.regionName ?? null,
          az: plan.az,
        },
        { ...(dir !== undefined ? { dir } : {}), ...(login.signal ? { signal: login.signal } : {}) },
      );
    } finally {
      await session.stop();
    }
  }
  const script = plan.readyScript;
  if (script === undefined || script === '') return;
  for (const m of members) {
    const session = await openSession(m.ip, login, plan.bootTimeoutMs);
    try {
      await runReadyScript(session, script, {
        hostname: m.hostname,
        ...(login.seam.scriptsDir !== undefined ? { scriptsDir: login.seam.scriptsDir } : {}),
        ...(login.signal ? { signal: login.signal } : {}),
        log: login.log,
      });
    } finally {
      await session.stop();
    }
  }
}
