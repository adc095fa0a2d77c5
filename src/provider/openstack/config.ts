/**
 * What the OpenStack driver takes from a compiled provider: cloud settings for the session,
 * and the server metadata nodepool writes and reads back (docs/behaviour.md#launch-steps).
 */
import { readFileSync } from 'node:fs';
import { jsonDumps } from '../../compat/index.js';
import type { CompiledProvider } from '../../config/index.js';
import type { CreateServerRequest } from '../driver.js';
import { ProviderError } from '../errors.js';
import { DEFAULT_API_TIMEOUT_MS } from './http.js';
import type { KeystoneSessionOptions } from './keystone.js';
import type { TlsSettings } from './send.js';

/**
 * TLS settings from clouds.yaml, as os-client-config read them: `verify: false` (or
 * `insecure: true`) accepts any certificate; otherwise `cacert` names the CA bundle to
 * trust, and `cert` + `key` a client certificate. Files are read once, here.
 * @throws ProviderError naming the setting and the file when one cannot be read.
 */
export function tlsSettings(config: CompiledProvider): TlsSettings | undefined {
  const cloud = config.cloud;
  const extra = cloud.extra ?? {};
  const fail = (message: string, cause?: unknown): never => {
    throw new ProviderError(`Cannot start provider "${config.name}": ${message}`, {
      provider: config.name,
      service: 'identity',
      code: 'ERR_PROVIDER_TLS_FILE',
      ...(cause === undefined ? {} : { cause }),
    });
  };
  const read = (key: 'cacert' | 'cert' | 'key'): string | undefined => {
    const file = extra[key];
    if (file === undefined || file === null || file === '') return undefined;
    if (typeof file !== 'string')
      return fail(`clouds.yaml "${key}" must be a file path, not ${JSON.stringify(file)}`);
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      return fail(
        `cannot read clouds.yaml "${key}" file "${file}": ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
  };
  const tls: TlsSettings = {};
  if (cloud.verify === false) tls.rejectUnauthorized = false;
  else {
    const ca = read('cacert');
    if (ca !== undefined) tls.ca = ca;
  }
  const cert = read('cert');
  const key = read('key');
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** Session options for a provider; `fakeAuthUrl` replaces `auth_url: fake`. */
export function sessionOptions(
  config: CompiledProvider,
  fakeAuthUrl?: string,
): KeystoneSessionOptions {
  const cloud = config.cloud;
  const auth: Record<string, string> = { ...cloud.auth };
  if (cloud.isFake) {
    if (!fakeAuthUrl)
      throw new TypeError(
        `Cannot start provider "${config.name}": no fake cloud to use for auth-url "fake"`,
      );
    auth['auth_url'] = fakeAuthUrl;
  }
  const regionName = cloud.regionName ?? config.regionName;
  const tls = tlsSettings(config);
  return {
    provider: config.name,
    ...(cloud.cloudName !== undefined ? { cloud: cloud.cloudName } : {}),
    auth,
    timeoutMs: cloud.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    ...(cloud.identityApiVersion ? { identityApiVersion: cloud.identityApiVersion } : {}),
    ...(regionName ? { regionName } : {}),
    ...(cloud.interface ? { interface: cloud.interface } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** Nodepool's own metadata, as read back from a server. */
export interface NodepoolMetadata {
  providerName: string;
  nodeId?: number;
  imageName?: string;
  snapshotImageId?: number;
}

/**
 * The two metadata keys nodepool puts on every server, JSON-encoded as upstream 0.4.0:
 * `groups` = `["<provider>", "<image>"]` and
 * `nodepool` = `{"provider_name": ..., "node_id": <int>, "image_name": ...}`.
 * Leak cleanup finds our servers by these keys, so their spelling is part of the contract.
 */
export function nodepoolMetadata(
  provider: string,
  req: Pick<CreateServerRequest, 'nodeId' | 'imageName' | 'snapshotImageId'>,
): Record<string, string> {
  const meta: Record<string, string | number> = { provider_name: provider };
  const groups = [provider];
  if (req.nodeId !== undefined) meta['node_id'] = req.nodeId;
  // 0.3.1 template servers: the snapshot_image row instead of a node.
  if (req.snapshotImageId !== undefined) meta['snapshot_image_id'] = req.snapshotImageId;
  if (req.imageName !== undefined) {
    meta['image_name'] = req.imageName;
    groups.push(req.imageName);
  }
  // Compat: upstream's json.dumps bytes (separators, ensure_ascii).
  return { groups: jsonDumps(groups), nodepool: jsonDumps(meta) };
}

/** Parses the `nodepool` metadata key; null when absent or not ours. */
export function parseNodepoolMetadata(
  metadata: Readonly<Record<string, string>>,
): NodepoolMetadata | null {
  const raw = metadata['nodepool'];
  if (raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const p = parsed as Record<string, unknown>;
  if (typeof p['provider_name'] !== 'string') return null;
  const out: NodepoolMetadata = { providerName: p['provider_name'] };
  if (typeof p['node_id'] === 'number') out.nodeId = p['node_id'];
  if (typeof p['image_name'] === 'string') out.imageName = p['image_name'];
  if (typeof p['snapshot_image_id'] === 'number') out.snapshotImageId = p['snapshot_image_id'];
  return out;
}
