/**
 * Errors of the SSH area. Launch results key on `statsKey` (docs/behaviour.md#launch-steps): a node that
 * never answers is `error.ssh`, one that answers but fails the `echo` check is `error.auth`,
 * everything else is `error.unknown` as in upstream 0.4.0.
 */
import { NodepoolError } from '../errors.js';

/** Why one connection attempt failed; decides whether and how loudly a retry is logged. */
export type SshFailureKind =
  'refused' | 'unreachable' | 'timeout' | 'auth' | 'negotiation' | 'host-key' | 'closed' | 'other';

/** One connection attempt to `<user>@<host>:<port>` failed. */
export class SshConnectError extends NodepoolError {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly kind: SshFailureKind;
  constructor(
    message: string,
    opts: {
      host: string;
      port: number;
      username: string;
      kind: SshFailureKind;
      cause?: unknown;
      code?: string;
    },
  ) {
    super(message, {
      code: opts.code ?? 'ERR_SSH_CONNECT',
      cause: opts.cause,
      statsKey: 'error.ssh',
    });
    this.host = opts.host;
    this.port = opts.port;
    this.username = opts.username;
    this.kind = opts.kind;
  }
}

/**
 * SSH did not answer within the boot timeout (upstream `SSHTimeoutException`): ERR_SSH_TIMEOUT,
 * launch result `error.ssh`; host, port, timeoutMs and attempts in `details`. `cause` is the
 * last attempt's {@link SshConnectError}, so an authentication problem stays visible.
 */
export function sshTimeoutError(
  message: string,
  opts: { host: string; port: number; timeoutMs: number; attempts: number; cause?: unknown },
): NodepoolError {
  return new NodepoolError(message, {
    code: 'ERR_SSH_TIMEOUT',
    cause: opts.cause,
    statsKey: 'error.ssh',
    details: {
      host: opts.host,
      port: opts.port,
      timeoutMs: opts.timeoutMs,
      attempts: opts.attempts,
    },
  });
}

/**
 * The server presented a host key other than the expected one (launch result `error.ssh`).
 * Never retried: waitForSsh tells it apart with `instanceof`.
 */
export class HostKeyMismatchError extends NodepoolError {
  readonly host: string;
  readonly port: number;
  readonly expected: string;
  readonly actual: string;
  constructor(
    message: string,
    opts: { host: string; port: number; expected: string; actual: string },
  ) {
    super(message, { code: 'ERR_SSH_HOST_KEY', statsKey: 'error.ssh' });
    this.host = opts.host;
    this.port = opts.port;
    this.expected = opts.expected;
    this.actual = opts.actual;
  }
}

/** Logged in, but `echo access okay` did not print `access okay` (upstream `error.auth`). */
export class SshAccessError extends NodepoolError {
  readonly host: string;
  readonly output: string;
  constructor(message: string, opts: { host: string; output: string; cause?: unknown }) {
    super(message, { code: 'ERR_SSH_ACCESS', cause: opts.cause, statsKey: 'error.auth' });
    this.host = opts.host;
    this.output = opts.output;
  }
}

/** A remote command exited non-zero, was killed, or lost its connection. */
export class SshCommandError extends NodepoolError {
  readonly host: string;
  readonly command: string;
  /** Null when killed by a signal or when the connection dropped. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    message: string,
    opts: {
      host: string;
      command: string;
      exitCode: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
      code?: string;
      cause?: unknown;
    },
  ) {
    super(message, {
      code: opts.code ?? 'ERR_SSH_COMMAND',
      cause: opts.cause,
      statsKey: 'error.unknown',
    });
    this.host = opts.host;
    this.command = opts.command;
    this.exitCode = opts.exitCode;
    this.signal = opts.signal;
    this.stdout = opts.stdout;
    this.stderr = opts.stderr;
  }
}

/**
 * A remote command ran longer than its `timeoutMs`; it was closed (ERR_SSH_COMMAND_TIMEOUT;
 * host, command and timeoutMs in `details`).
 */
export function sshCommandTimeoutError(
  message: string,
  opts: { host: string; command: string; timeoutMs: number },
): NodepoolError {
  return new NodepoolError(message, {
    code: 'ERR_SSH_COMMAND_TIMEOUT',
    statsKey: 'error.unknown',
    details: { host: opts.host, command: opts.command, timeoutMs: opts.timeoutMs },
  });
}

/**
 * An SFTP operation (open, write, chmod, mkdir, stat) failed (ERR_SSH_SFTP; host, path and
 * operation in `details`).
 */
export function sftpError(
  message: string,
  opts: { host: string; path: string; operation: string; cause?: unknown },
): NodepoolError {
  return new NodepoolError(message, {
    code: 'ERR_SSH_SFTP',
    cause: opts.cause,
    statsKey: 'error.unknown',
    details: { host: opts.host, path: opts.path, operation: opts.operation },
  });
}

/** The private key file named by `private-key` cannot be read. */
export class SshKeyError extends NodepoolError {
  readonly path: string;
  constructor(message: string, opts: { path: string; cause?: unknown }) {
    super(message, { code: 'ERR_SSH_KEY', cause: opts.cause, statsKey: 'error.ssh' });
    this.path = opts.path;
  }
}

/**
 * The node has no `/etc/nodepool` directory (the image must provide it;
 * docs/behaviour.md#files-on-the-node): ERR_NODEPOOL_DIR_MISSING, host and dir in `details`.
 */
export function nodepoolDirMissingError(
  message: string,
  opts: { host: string; dir: string; cause?: unknown },
): NodepoolError {
  return new NodepoolError(message, {
    code: 'ERR_NODEPOOL_DIR_MISSING',
    cause: opts.cause,
    statsKey: 'error.unknown',
    details: { host: opts.host, dir: opts.dir },
  });
}

/** What a script run on a node or template server left behind when it failed. */
export interface ScriptFailure {
  host: string;
  script: string;
  exitCode: number | null;
  /** Combined output (scripts run with a pty, as upstream). */
  output: string;
  cause?: unknown;
}

/**
 * A script run over SSH exited non-zero: host, script, exitCode (absent when it was killed)
 * and the combined output in `details`.
 */
function scriptError(
  message: string,
  opts: ScriptFailure,
  code: string,
  statsKey?: string,
): NodepoolError {
  const { host, script, exitCode, output, cause } = opts;
  return new NodepoolError(message, {
    code,
    cause,
    ...(statsKey !== undefined ? { statsKey } : {}),
    details: { host, script, exitCode: exitCode ?? undefined, output },
  });
}

/** The label's `ready-script` exited non-zero on a node (ERR_READY_SCRIPT; docs/behaviour.md#ready-script). */
export function readyScriptError(message: string, opts: ScriptFailure): NodepoolError {
  return scriptError(message, opts, 'ERR_READY_SCRIPT', 'error.unknown');
}

/** A snapshot image's `setup` script exited non-zero on the template server (ERR_SETUP_SCRIPT; 0.3-era). */
export function setupScriptError(message: string, opts: ScriptFailure): NodepoolError {
  return scriptError(message, opts, 'ERR_SETUP_SCRIPT');
}
