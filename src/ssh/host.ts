/**
 * Small helpers for addressing nodes: IPv6 brackets, `host:port` display, host-key blobs
 * and private key sources.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SshKeyError } from './errors.js';

/** A server host key as read during the handshake. */
export interface SshHostKey {
  /** Key type, e.g. `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  readonly type: string;
  /** Base64 of the public key blob. */
  readonly base64: string;
  /** `SHA256:<base64, no padding>`, the form `ssh-keygen -l` prints. */
  readonly fingerprint: string;
}

/**
 * Returns the bare address for connecting: `[::1]` → `::1`; anything else unchanged.
 * Cloud APIs return IPv6 without brackets; operators sometimes write them with.
 */
export function bareHost(host: string): string {
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return host;
}

/** Formats `host:port` for messages, bracketing IPv6 addresses: `[2001:db8::1]:22`. */
export function formatHostPort(host: string, port: number): string {
  const bare = bareHost(host);
  return bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/** Describes a raw public key blob (RFC 4253 §6.6: string type, then key data). */
export function describeHostKey(blob: Buffer): SshHostKey {
  let type = 'unknown';
  if (blob.length >= 4) {
    const len = blob.readUInt32BE(0);
    if (len > 0 && 4 + len <= blob.length) type = blob.subarray(4, 4 + len).toString('latin1');
  }
  const digest = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return { type, base64: blob.toString('base64'), fingerprint: `SHA256:${digest}` };
}

/** Where a private key comes from: a file path, or the key text/bytes themselves. */
export type PrivateKeySource = string | Buffer;

/** True when `value` is key material rather than a path. */
function isKeyText(value: string): boolean {
  return value.includes('-----BEGIN ') || value.includes('PRIVATE KEY');
}

/**
 * Returns the private key bytes: a Buffer or key text is used as is; any other string is
 * read as a file path.
 * @throws SshKeyError when the file cannot be read.
 */
export async function loadPrivateKey(source: PrivateKeySource): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  if (isKeyText(source)) return Buffer.from(source);
  try {
    return await readFile(source);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new SshKeyError(`Cannot read SSH private key "${source}": ${reason}`, {
      path: source,
      cause: err,
    });
  }
}
