/**
 * Logging in to a template server as upstream 0.3.1 did: as `root`, then (when root's login
 * works but cannot run commands, as on images that print "Please login as ubuntu") as the
 * usual cloud users, each tried briefly.
 */
import type { Logger } from 'pino';
import type { CompiledProvider } from '../config/index.js';
import type { SshSeam } from '../launcher/index.js';
import { SshAccessError, directSsh } from '../ssh/index.js';
import type { PrivateKeySource, SshSession } from '../ssh/index.js';

/** Compat: 0.3.1's fallback users, in its order. */
export const FALLBACK_USERS = ['ubuntu', 'fedora', 'cloud-user', 'centos', 'debian'] as const;

/** Options of {@link loginTemplate}. */
export interface TemplateLoginOptions {
  ssh: SshSeam;
  provider: CompiledProvider;
  /** The template server's address. */
  ip: string;
  privateKey: PrivateKeySource;
  timeoutMs: number;
  fallbackTimeoutMs: number;
  signal?: AbortSignal;
  log: Logger;
}

/**
 * Opens a session on the template server; resolves with it and the user logged in as.
 * @throws NodepoolError ERR_SSH_TIMEOUT when SSH never answered; SshAccessError when no user could run commands
 */
export async function loginTemplate(
  o: TemplateLoginOptions,
): Promise<{ session: SshSession; username: string }> {
  const host = o.ip;
  const connector = o.ssh.connector?.(o.provider) ?? directSsh;
  const connectSsh = (
    h: string,
    opts: Parameters<typeof connector.connect>[1],
  ): Promise<SshSession> => connector.connect(h, opts);
  const base = {
    privateKey: o.privateKey,
    ...(o.ssh.retryDelayMs !== undefined ? { retryDelayMs: o.ssh.retryDelayMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    log: o.log,
  };
  try {
    return {
      session: await connectSsh(host, { ...base, username: 'root', timeoutMs: o.timeoutMs }),
      username: 'root',
    };
  } catch (err) {
    if (!(err instanceof SshAccessError)) throw err;
    o.log.info('Cannot run commands as root on %s: trying the usual cloud users', host);
    let last: unknown = err;
    for (const username of FALLBACK_USERS) {
      try {
        return {
          session: await connectSsh(host, { ...base, username, timeoutMs: o.fallbackTimeoutMs }),
          username,
        };
      } catch (e) {
        if (o.signal?.aborted) throw e;
        last = e;
      }
    }
    throw new SshAccessError(
      `Unable to log in via SSH to ${host} as root or ${FALLBACK_USERS.join(', ')}`,
      {
        host,
        output: '',
        cause: last,
      },
    );
  }
}
