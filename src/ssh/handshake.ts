/**
 * Turning ssh2 connect failures and host keys into our errors: which kind of failure it
 * was (decides retry logging) and whether a host key is the expected one.
 */
import { HostKeyMismatchError, SshConnectError } from './errors.js';
import type { SshFailureKind } from './errors.js';
import type { PrivateKeySource, SshHostKey } from './host.js';

/** Who was being reached, for messages and error fields. */
export interface HandshakeContext {
  host: string;
  port: number;
  username: string;
  /** `user@host:port`. */
  target: string;
}

/** Classifies an ssh2 `error` event by its `level` and socket `code`. */
export function classifyConnectError(err: unknown): SshFailureKind {
  const e = err as { level?: string; code?: string };
  if (e.level === 'client-authentication') return 'auth';
  if (e.level === 'client-timeout') return 'timeout';
  if (e.level === 'protocol' || e.level === 'handshake') return 'negotiation';
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unreachable';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'closed';
    default:
      return 'other';
  }
}

const KIND_TEXT: Record<SshFailureKind, string> = {
  refused: 'connection refused',
  unreachable: 'host unreachable',
  timeout: 'no answer in time',
  auth: 'authentication failed',
  negotiation: 'SSH negotiation failed',
  'host-key': 'host key mismatch',
  closed: 'connection closed by the server',
  other: 'connection failed',
};

/**
 * Wraps an ssh2 connect failure. `credential` says what was offered, for authentication
 * failures: `the private key "/path"`, `the private key` or `the password`.
 */
export function connectErrorFor(
  err: Error,
  ctx: HandshakeContext & { credential: string },
): SshConnectError {
  const kind = classifyConnectError(err);
  const base = { host: ctx.host, port: ctx.port, username: ctx.username, cause: err };
  if (kind === 'auth') {
    // The server refused every key offered (wrong key, or the user does not exist yet).
    return new SshConnectError(
      `Cannot log in to ${ctx.target} over SSH: authentication failed: the server rejected ${ctx.credential}`,
      { ...base, kind, code: 'ERR_SSH_AUTH' },
    );
  }
  return new SshConnectError(
    `Cannot connect to ${ctx.target} over SSH: ${KIND_TEXT[kind]}: ${err.message}`,
    { ...base, kind },
  );
}

/** Describes the credential offered, naming the key file when there is one. */
export function describeCredential(
  privateKey: PrivateKeySource | undefined,
  keyName: string | undefined,
): string {
  if (privateKey === undefined) return 'the password';
  const name =
    keyName ??
    (typeof privateKey === 'string' && !privateKey.includes('PRIVATE KEY') ? privateKey : null);
  return name === null ? 'the private key' : `the private key "${name}"`;
}

/**
 * Compares a host key with the expected one (`"<type> <base64>"` or `"SHA256:..."`).
 * Returns the error to fail with, or null when it matches or nothing is expected.
 */
export function checkHostKey(
  key: SshHostKey,
  expected: string | undefined,
  ctx: HandshakeContext,
): HostKeyMismatchError | null {
  const want = expected?.trim();
  if (want === undefined || want === '') return null;
  const asText = `${key.type} ${key.base64}`;
  const matches = want.startsWith('SHA256:')
    ? want === key.fingerprint
    : want.split(/\s+/).slice(0, 2).join(' ') === asText;
  if (matches) return null;
  return new HostKeyMismatchError(
    `Cannot trust ${ctx.target}: host key ${key.fingerprint} does not match the expected key "${want}"`,
    { host: ctx.host, port: ctx.port, expected: want, actual: asText },
  );
}
