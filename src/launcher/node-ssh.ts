/**
 * The SSH steps of a launch (see docs/ssh.md): the access check, the `/etc/nodepool` files
 * and the ready script on every node of a set (subnodes first, then the primary). Each node
 * gets one session for all of its steps: the primary's is the one its access check opened.
 */
import type { Logger } from 'pino';
import type { CompiledProvider, CompiledProviderImage } from '../config/index.js';
import { directSsh, generateNodeSetKey, runReadyScript, writeNodepoolFiles } from '../ssh/index.js';
import type {
  LoginSlots,
  NodeAddress,
  NodeSetKey,
  SshConnector,
  SshSession,
} from '../ssh/index.js';
import type { SshSeam } from './hooks.js';

/** The connector the seam chooses for a provider's nodes. */
export function connectorFor(seam: SshSeam, provider: CompiledProvider): SshConnector {
  return seam.connector?.(provider) ?? directSsh;
}

/**
 * Starts making the node set's key, so it is ready when the files are written. Ed25519
 * (microseconds, read by every current OpenSSH and paramiko): see docs/ssh.md "Node set
 * key". The promise never rejects unobserved: callers await it in {@link prepareNodeSet}.
 */
export function startNodeSetKey(): Promise<NodeSetKey> {
  const p = generateNodeSetKey('ed25519');
  p.catch(() => {});
  return p;
}

/** Default of `SshSeam.maxConcurrentLogins`. */
export const DEFAULT_MAX_CONCURRENT_LOGINS = 64;

/** What the SSH steps need to log in to one node. */
export interface SshLogin {
  seam: SshSeam;
  /** The launcher's bound on login attempts. */
  slots?: LoginSlots;
  provider: CompiledProvider;
  image: CompiledProviderImage;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * Connects as the image's user, retrying until `timeoutMs` (the provider's boot-timeout),
 * and runs the access check (step 6). The caller stops the session.
 */
export async function openSession(
  ip: string,
  login: SshLogin,
  timeoutMs: number,
): Promise<SshSession> {
  return connectorFor(login.seam, login.provider).connect(ip, {
    username: login.image.username,
    privateKey: login.image.privateKey,
    timeoutMs,
    ...(login.seam.retryDelayMs !== undefined ? { retryDelayMs: login.seam.retryDelayMs } : {}),
    ...(login.slots ? { slots: login.slots } : {}),
    ...(login.signal ? { signal: login.signal } : {}),
    log: login.log,
  });
}

/** Step 6 alone (subnodes): waits for SSH and runs the access check, then closes the session. */
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
 * every node; subnodes first, then the primary, as upstream. `primarySession` is the
 * primary's open session (its access check); subnodes get one session each for both steps.
 * Every session opened here is stopped before returning; `primarySession` is the caller's.
 */
export async function prepareNodeSet(
  plan: NodeSetPlan,
  login: SshLogin,
  primarySession: SshSession,
): Promise<void> {
  const key: NodeSetKey = await plan.key;
  const members = [...plan.subnodes, plan.primary];
  const dir = login.seam.nodepoolDir;
  const opened = new Map<SetMember, SshSession>([[plan.primary, primarySession]]);
  const sessionOf = async (m: SetMember): Promise<SshSession> => {
    let s = opened.get(m);
    if (s === undefined) opened.set(m, (s = await openSession(m.ip, login, plan.bootTimeoutMs)));
    return s;
  };
  try {
    for (const m of members) {
      await writeNodepoolFiles(
        await sessionOf(m),
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
        {
          ...(dir !== undefined ? { dir } : {}),
          ...(login.signal ? { signal: login.signal } : {}),
        },
      );
    }
    const script = plan.readyScript;
    if (script === undefined || script === '') return;
    for (const m of members) {
      await runReadyScript(await sessionOf(m), script, {
        hostname: m.hostname,
        ...(login.seam.scriptsDir !== undefined ? { scriptsDir: login.seam.scriptsDir } : {}),
        ...(login.signal ? { signal: login.signal } : {}),
        log: login.log,
      });
    }
  } finally {
    opened.delete(plan.primary);
    await Promise.all([...opened.values()].map((s) => s.stop()));
  }
}
