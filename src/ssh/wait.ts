/**
 * Waiting for a node's SSH (docs/behaviour.md#reaching-the-node-over-ssh): retry every 2 s until the boot timeout,
 * then run `echo access okay`. Also the `check` cron's liveness probe (docs/behaviour.md#check).
 */
import type { Logger } from 'pino';
import { delay } from '../util/index.js';
import { NodepoolError } from '../errors.js';
import { SshConnection } from './connection.js';
import {
  HostKeyMismatchError,
  SshAccessError,
  SshConnectError,
  SshKeyError,
  sshTimeoutError,
} from './errors.js';
import { bareHost, formatHostPort, loadPrivateKey } from './host.js';
import type { PrivateKeySource, SshHostKey } from './host.js';
import type { LoginSlots } from './login-slots.js';
import type { SshSession } from './session.js';

/** Options of {@link connectSsh}, {@link waitForSsh} and {@link checkNode}. */
export interface WaitForSshOptions {
  /** @default 22 */
  port?: number;
  /** The image's `username`. */
  username: string;
  /** The image's `private-key`: a file path or the key itself. Either this or `password`. */
  privateKey?: PrivateKeySource;
  password?: string;
  /** How long to keep trying: the provider's `boot-timeout`. @default 60_000 */
  timeoutMs?: number;
  /** Pause between attempts. @default 2000 (upstream ITERATE_INTERVAL) */
  retryDelayMs?: number;
  /** Limit for one attempt (connect, handshake, login). @default 30_000, capped by what is left */
  attemptTimeoutMs?: number;
  /** Host key the node must present (`"<type> <base64>"` or `SHA256:`); unset accepts any. */
  expectedHostKey?: string;
  /** Bounds login attempts in flight (one slot per attempt, none while waiting between). */
  slots?: LoginSlots;
  /** Run `echo access okay` once logged in. @default true */
  checkAccess?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

/** Opens a checked session (`connectSsh`, or an `SshConnector`'s `connect`). */
export type ConnectFn = (host: string, options: WaitForSshOptions) => Promise<SshSession>;

const ACCESS_COMMAND = 'echo access okay';
const ACCESS_TEXT = 'access okay';

function logFailure(log: Logger | undefined, err: SshConnectError, attempt: number): void {
  if (!log) return;
  const ctx = { host: err.host, port: err.port, attempt };
  switch (err.kind) {
    case 'refused':
    case 'unreachable':
    case 'timeout':
    case 'closed':
      // Normal while a server boots.
      log.debug(ctx, 'SSH not up yet on %s: %s', err.host, err.kind);
      break;
    case 'auth':
      // cloud-init may not have created the user yet.
      log.info(ctx, 'Auth exception for %s@%s. Try number %d...', err.username, err.host, attempt);
      break;
    default:
      log.warn({ ...ctx, err }, 'SSH attempt to %s failed', err.host);
  }
}

function isRetryable(err: unknown): boolean {
  if (
    err instanceof HostKeyMismatchError ||
    err instanceof SshKeyError ||
    err instanceof SshAccessError
  )
    return false;
  return err instanceof SshConnectError;
}

async function accessCheck(conn: SshConnection, signal: AbortSignal): Promise<void> {
  const res = await conn.exec(ACCESS_COMMAND, { pty: true, signal });
  if (res.stdout.includes(ACCESS_TEXT)) return;
  const printed = (res.stdout + res.stderr).trim().slice(0, 200);
  throw new SshAccessError(
    `Cannot use ${conn.target} over SSH: "${ACCESS_COMMAND}" printed "${printed}" (exit status ${String(res.exitCode)})`,
    { host: conn.host, output: res.stdout + res.stderr },
  );
}

/**
 * Connects to `host` as soon as its SSH answers, retrying connection failures (refused,
 * unreachable, authentication, negotiation) every `retryDelayMs` until `timeoutMs`, then
 * runs the `echo access okay` check. Returns the open session; the caller stops it.
 * @throws NodepoolError ERR_SSH_TIMEOUT when no attempt succeeded in time (`cause`: the last failure)
 * @throws SshAccessError when logged in but the check command did not print `access okay`
 * @throws HostKeyMismatchError, SshKeyError at once, without retrying
 */
export async function connectSsh(host: string, options: WaitForSshOptions): Promise<SshSession> {
  const { signal, log } = options;
  signal?.throwIfAborted();
  const port = options.port ?? 22;
  const bare = bareHost(host);
  const timeoutMs = options.timeoutMs ?? 60_000;
  // Read a key file once, not on every attempt; a missing file fails at once.
  const privateKey =
    options.privateKey === undefined ? undefined : await loadPrivateKey(options.privateKey);
  const deadline = AbortSignal.timeout(timeoutMs);
  const until = Date.now() + timeoutMs;
  const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let last: unknown = null;
  for (let attempt = 1; ; attempt++) {
    // The boot deadline bounds this attempt only; the session handed back lives on,
    // still closed by the caller's signal.
    const attemptCtl = new AbortController();
    const endAttempt = (): void => attemptCtl.abort(stop.reason);
    stop.addEventListener('abort', endAttempt, { once: true });
    let release: (() => void) | undefined;
    try {
      release = await options.slots?.acquire(stop);
    } catch {
      stop.removeEventListener('abort', endAttempt);
      if (signal?.aborted) throw signal.reason;
      throw timeoutError(bare, port, options.username, timeoutMs, attempt, last);
    }
    const conn = new SshConnection({
      host: bare,
      port,
      username: options.username,
      privateKey,
      privateKeyName:
        typeof options.privateKey === 'string' && !options.privateKey.includes('PRIVATE KEY')
          ? options.privateKey
          : undefined,
      password: options.password,
      connectTimeoutMs: Math.max(
        1,
        Math.min(options.attemptTimeoutMs ?? 30_000, until - Date.now()),
      ),
      expectedHostKey: options.expectedHostKey,
      signal: signal ? AbortSignal.any([signal, attemptCtl.signal]) : attemptCtl.signal,
      log,
    });
    try {
      await conn.start();
      if (options.checkAccess !== false) await accessCheck(conn, stop);
      return conn;
    } catch (err) {
      await conn.stop();
      if (signal?.aborted) throw signal.reason;
      if (!deadline.aborted && !isRetryable(err)) throw err;
      if (err instanceof SshConnectError) logFailure(log, err, attempt);
      last = deadline.aborted && !(err instanceof NodepoolError) ? last : err;
    } finally {
      stop.removeEventListener('abort', endAttempt);
      release?.();
    }
    try {
      if (deadline.aborted) throw deadline.reason;
      await delay(Math.min(options.retryDelayMs ?? 2000, Math.max(0, until - Date.now())), {
        signal: stop,
      });
    } catch {
      if (signal?.aborted) throw signal.reason;
    }
    if (deadline.aborted || Date.now() >= until)
      throw timeoutError(bare, port, options.username, timeoutMs, attempt, last);
  }
}

function timeoutError(
  host: string,
  port: number,
  user: string,
  timeoutMs: number,
  attempts: number,
  last: unknown,
): NodepoolError {
  const why = last instanceof Error ? `: last error: ${last.message}` : '';
  return sshTimeoutError(
    `Timeout waiting for ssh access to ${user}@${formatHostPort(host, port)} after ${timeoutMs} ms (${attempts} attempts)${why}`,
    { host, port, timeoutMs, attempts, cause: last ?? undefined },
  );
}

/**
 * Waits until `host` accepts SSH and passes the access check (the launcher's step 6),
 * closes the connection and returns the server's host key (use `.fingerprint`, or
 * `"${type} ${base64}"` to record it).
 * @throws ERR_SSH_TIMEOUT (NodepoolError), SshAccessError, HostKeyMismatchError, SshKeyError (see {@link connectSsh})
 */
export async function waitForSsh(
  host: string,
  options: WaitForSshOptions,
  connect: ConnectFn = connectSsh,
): Promise<SshHostKey> {
  const session = await connect(host, options);
  try {
    return session.hostKey;
  } finally {
    await session.stop();
  }
}

/** Result of {@link checkNode}. */
export interface NodeCheckResult {
  isAlive: boolean;
  hostKey?: SshHostKey;
  /** Why the node is considered dead. */
  error?: unknown;
}

/**
 * The `check` cron's probe of one ready node (docs/behaviour.md#check): {@link waitForSsh} with the
 * default 60 s timeout. Never throws for a dead node; an abort still rejects with
 * `signal.reason`, so a shutdown does not count as a failed check.
 */
export async function checkNode(
  host: string,
  options: WaitForSshOptions,
  connect: ConnectFn = connectSsh,
): Promise<NodeCheckResult> {
  try {
    const hostKey = await waitForSsh(host, { timeoutMs: 60_000, ...options }, connect);
    return { isAlive: true, hostKey };
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    return { isAlive: false, error: err };
  }
}
