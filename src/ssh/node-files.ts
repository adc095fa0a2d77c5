/**
 * The `/etc/nodepool` files written on every node of a node set (docs/behaviour.md#files-on-the-node). The
 * file names and contents are a contract with job scripts; keep them byte-for-byte.
 */
import { createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { nodepoolDirMissingError, SshCommandError } from './errors.js';
import type { SshSession } from './session.js';
import { generateEd25519KeyPair } from './openssh-key.js';
import { shellQuote } from './shell.js';

const generateKeyPairP = promisify(generateKeyPair);

/** The directory upstream writes to. */
export const NODEPOOL_DIR = '/etc/nodepool';

/** The key pair shared by all nodes of one node set. */
export interface NodeSetKey {
  /**
   * RSA: PKCS#1 PEM, `-----BEGIN RSA PRIVATE KEY-----`; Ed25519: OpenSSH's own format,
   * `-----BEGIN OPENSSH PRIVATE KEY-----` (what `ssh-keygen -t ed25519` writes).
   */
  privateKeyPem: string;
  /** `ssh-rsa <base64>` or `ssh-ed25519 <base64>` (no comment). */
  publicKey: string;
}

/**
 * Key types of a node set's key: `rsa` is upstream's RSA 2048 (about 0.1–0.3 CPU-s each);
 * `ed25519` takes microseconds and is read by OpenSSH ≥ 6.5 and paramiko ≥ 2.2.
 */
export type NodeSetKeyType = 'rsa' | 'ed25519';

function generateEd25519(): NodeSetKey {
  const keys = generateEd25519KeyPair();
  return { privateKeyPem: keys.privateKey, publicKey: keys.publicKey };
}

/** Addresses of one node of the set. */
export interface NodeAddress {
  /** The node's `ip`. */
  ip: string;
  /** The node's `ip_private`. */
  ipPrivate: string;
}

/** Everything {@link buildNodepoolFiles} needs for one node. */
export interface NodepoolFilesInput {
  role: 'primary' | 'sub';
  /** This node (primary or subnode) and its cloud server id (`external_id`). */
  node: NodeAddress & { externalId: string };
  primary: NodeAddress;
  /** Every subnode of the set, in database order. */
  subnodes: readonly NodeAddress[];
  key: NodeSetKey;
  /** Provider name, `NODEPOOL_PROVIDER`. */
  provider: string;
  /** os-client-config cloud name, `NODEPOOL_CLOUD`. */
  cloud: string;
  regionName?: string | null;
  /** The node's availability zone. */
  az?: string | null;
}

/** One file to write. */
export interface NodepoolFile {
  name: string;
  content: string;
  mode: number;
}

function mpint(n: Buffer): Buffer {
  // SSH mpint: big-endian, with a leading zero byte when the top bit is set.
  const body = (n[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), n]) : n;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function sshString(s: string): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(Buffer.byteLength(s));
  return Buffer.concat([len, Buffer.from(s)]);
}

/**
 * Generates the key pair of a node set: RSA 2048 as upstream (paramiko
 * `RSAKey.generate(2048)`), or Ed25519 (see {@link NodeSetKeyType}).
 */
export async function generateNodeSetKey(type: NodeSetKeyType = 'rsa'): Promise<NodeSetKey> {
  if (type === 'ed25519') return generateEd25519();
  const { privateKey, publicKey } = await generateKeyPairP('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([
    sshString('ssh-rsa'),
    mpint(Buffer.from(jwk.e, 'base64url')),
    mpint(Buffer.from(jwk.n, 'base64url')),
  ]);
  return { privateKeyPem: privateKey, publicKey: `ssh-rsa ${blob.toString('base64')}` };
}

function lines(values: readonly string[]): string {
  return values.map((v) => `${v}\n`).join('');
}

function requireIp(value: string, what: string): string {
  if (value === '')
    throw new TypeError(`Cannot write ${NODEPOOL_DIR} files: ${what} has no IP address`);
  return value;
}

/**
 * Returns the files for one node, in upstream's order. Each ends with a newline;
 * `sub_nodes*` are empty when the set has no subnodes; `id_rsa` is mode 0600 (Compat fix:
 * upstream left it at the remote default), the rest 0644.
 * @throws TypeError when a node of the set has no IP (upstream fails the launch too)
 */
export function buildNodepoolFiles(input: NodepoolFilesInput): NodepoolFile[] {
  input.subnodes.forEach((s, i) => requireIp(s.ip, `subnode ${i + 1}`));
  requireIp(input.node.ip, 'the node');
  requireIp(input.primary.ip, 'the primary node');
  const key = input.key.privateKeyPem.endsWith('\n')
    ? input.key.privateKeyPem
    : `${input.key.privateKeyPem}\n`;
  const files: Array<[string, string, number?]> = [
    ['role', `${input.role}\n`],
    ['node', `${input.node.ip}\n`],
    ['node_private', `${input.node.ipPrivate}\n`],
    ['primary_node', `${input.primary.ip}\n`],
    ['primary_node_private', `${input.primary.ipPrivate}\n`],
    ['sub_nodes', lines(input.subnodes.map((s) => s.ip))],
    ['sub_nodes_private', lines(input.subnodes.map((s) => s.ipPrivate))],
    ['id_rsa', key, 0o600],
    ['id_rsa.pub', `${input.key.publicKey}\n`],
    [
      'provider',
      lines([
        `NODEPOOL_PROVIDER=${input.provider}`,
        `NODEPOOL_CLOUD=${input.cloud}`,
        `NODEPOOL_REGION=${input.regionName ?? ''}`,
        `NODEPOOL_AZ=${input.az ?? ''}`,
      ]),
    ],
    ['uuid', `${input.node.externalId}\n`],
  ];
  return files.map(([name, content, mode]) => ({ name, content, mode: mode ?? 0o644 }));
}

/** Options of {@link writeNodepoolFiles}. */
export interface WriteNodepoolFilesOptions {
  /** Remote directory. @default '/etc/nodepool' */
  dir?: string;
  signal?: AbortSignal;
}

/**
 * Writes {@link buildNodepoolFiles} into `/etc/nodepool` on the node behind `session`.
 * First checks that the directory exists (`ls`, as upstream): nodepool never creates it.
 * @throws NodepoolError ERR_NODEPOOL_DIR_MISSING when the directory is missing
 * @throws NodepoolError ERR_SSH_SFTP when a file cannot be written
 */
export async function writeNodepoolFiles(
  session: SshSession,
  input: NodepoolFilesInput,
  options: WriteNodepoolFilesOptions = {},
): Promise<void> {
  const dir = (options.dir ?? NODEPOOL_DIR).replace(/\/+$/, '') || '/';
  const files = buildNodepoolFiles(input);
  try {
    await session.run(`ls ${shellQuote(dir)}`, { signal: options.signal });
  } catch (err) {
    if (!(err instanceof SshCommandError)) throw err;
    throw nodepoolDirMissingError(
      `Cannot write node files on ${session.host}: directory "${dir}" is missing or unreadable (the image must create it): ${err.stderr.trim() || err.stdout.trim()}`,
      { host: session.host, dir, cause: err },
    );
  }
  for (const f of files) {
    await session.writeFile(`${dir === '/' ? '' : dir}/${f.name}`, f.content, {
      mode: f.mode,
      signal: options.signal,
    });
  }
}
