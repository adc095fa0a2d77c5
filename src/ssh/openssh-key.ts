/**
 * Ed25519 key pairs in OpenSSH's own file format (`-----BEGIN OPENSSH PRIVATE KEY-----`,
 * unencrypted), made with node:crypto. ssh2's `utils.generateKeyPair('ed25519')` is not used:
 * it drops a leading zero byte of the public key (about one key in 128), and OpenSSH then
 * refuses the file ("error in libcrypto").
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const KEY_TYPE = 'ed25519';
const SSH_KEY_TYPE = 'ssh-ed25519';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
/** The cipher block size of an unencrypted key: the private section pads to it. */
const BLOCK = 8;
const LINE = 70;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function str(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([u32(body.length), body]);
}

/** An Ed25519 key pair: the private key file's text and the `ssh-ed25519 <base64>` line. */
export interface OpenSshKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Makes an Ed25519 key pair (microseconds of CPU, no thread-pool work). */
export function generateEd25519KeyPair(): OpenSshKeyPair {
  const { privateKey } = generateKeyPairSync(KEY_TYPE);
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.d === undefined) {
    throw new Error('Cannot make an Ed25519 key: node:crypto exported no key material');
  }
  const pub = Buffer.from(jwk.x, 'base64url');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pubBlob = Buffer.concat([str(SSH_KEY_TYPE), str(pub)]);
  const check = randomBytes(4);
  const section = Buffer.concat([
    check,
    check,
    str(SSH_KEY_TYPE),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str(''),
  ]);
  const padLength = (BLOCK - (section.length % BLOCK)) % BLOCK;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const body = Buffer.concat([
    MAGIC,
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(pubBlob),
    str(Buffer.concat([section, padding])),
  ]).toString('base64');
  const wrapped = body.match(new RegExp(`.{1,${LINE}}`, 'g')) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrapped.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `${SSH_KEY_TYPE} ${pubBlob.toString('base64')}`,
  };
}
