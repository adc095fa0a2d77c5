/**
 * Options of the fake cloud. {@link FakeCloudKnobs} can also be changed while it runs,
 * through `FakeCloud.setKnobs()` or `PATCH /_fake/knobs`.
 */

/** How an injected create/delete failure shows itself. */
export type FailureMode = 'http' | 'error';

/** Instance quota of every project (Nova's absolute limits). */
export interface FakeQuota {
  /** `maxTotalInstances`. @default 500 */
  instances: number;
  /** `maxTotalCores`. @default 10000 */
  cores: number;
  /** `maxTotalRAMSize` in MB. @default 10240000 */
  ramMb: number;
}

/** Behaviour that tests and demos tune, at start or while running. */
export interface FakeCloudKnobs {
  /** Delay added before every API call is answered. @default 0 */
  latencyMs: number;
  /** Time a server spends in BUILD before ACTIVE (or ERROR). @default 100 */
  buildDelayMs: number;
  /** Time a deleted server stays listed (task_state `deleting`) before it is gone. @default 0 */
  deleteDelayMs: number;
  /** Time an uploaded image stays `saving` before `active`. @default 0 */
  imageSaveDelayMs: number;
  /** Fraction (0..1) of server creates that fail. @default 0 */
  createFailureRate: number;
  /** Fraction (0..1) of server deletes that fail. @default 0 */
  deleteFailureRate: number;
  /**
   * `http`: the API call answers 500. `error`: the call succeeds but the server goes to
   * ERROR with a fault (create) or stays, in ERROR, instead of going away (delete).
   * @default 'error'
   */
  failureMode: FailureMode;
  /** Per-project quota. */
  quota: FakeQuota;
  /** Lifetime of issued tokens. @default 3600000 */
  tokenTtlMs: number;
  /**
   * When a server without an address on an external network goes ACTIVE, give it a
   * floating IP from `public` (as upstream's fake always had a public address). Set false
   * to behave like a real cloud, where the client creates and attaches floating IPs.
   * @default true
   */
  autoFloatingIp: boolean;
  /**
   * Offer Keystone v2.0 (listed in version discovery, `POST /v2.0/tokens`). A current
   * Keystone has none, so neither has the fake by default. @default false
   */
  identityV2: boolean;
}

/** A partial knob change; quota entries not named keep their value. */
export type FakeCloudKnobsPatch = Partial<Omit<FakeCloudKnobs, 'quota'>> & {
  quota?: Partial<FakeQuota>;
};

/** A user the fake accepts; without any, every name/password/project is accepted. */
export interface FakeUser {
  name: string;
  password: string;
  /** Projects (names) the user may scope to; empty = any. */
  projects?: string[];
  /** Project an unscoped request is scoped to (Keystone's `default_project_id`); none = unscoped. */
  defaultProject?: string;
  /** Domains (names) the user may scope a token to; none by default. */
  domains?: string[];
}

/** Constructor options of `FakeCloud`. */
export interface FakeCloudOptions extends Partial<Omit<FakeCloudKnobs, 'quota'>> {
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** Regions listed in the service catalog. @default ['RegionOne'] */
  regions?: string[];
  /** Availability zones servers may ask for. @default ['nova', 'az1', 'az2'] */
  availabilityZones?: string[];
  /** Accepted credentials; empty or absent accepts anything. */
  users?: FakeUser[];
  /** Quota overrides. */
  quota?: Partial<FakeQuota>;
  /**
   * Refuse servers whose `key_name` names no key pair (400, like Nova). The shared
   * `auth-url: fake` cloud turns this off, since upstream's fixtures name a key pair that
   * never exists and upstream's fake ignored it. @default true
   */
  checkKeyNames?: boolean;
  /** Random source for failure injection (tests pass a deterministic one). @default Math.random */
  random?: () => number;
  /**
   * Give every region and interface its own catalog URL prefix (`/_ep/<region>/<interface>`),
   * so the request log shows which endpoint a client picked. @default false
   */
  catalogTags?: boolean;
  /** Keep a log of every request (see `FakeCloud.requests()`), for tests. @default false */
  recordRequests?: boolean;
}

/** Knob defaults. */
export const DEFAULT_KNOBS: Readonly<FakeCloudKnobs> = Object.freeze({
  latencyMs: 0,
  buildDelayMs: 100,
  deleteDelayMs: 0,
  imageSaveDelayMs: 0,
  createFailureRate: 0,
  deleteFailureRate: 0,
  failureMode: 'error',
  quota: Object.freeze({ instances: 500, cores: 10_000, ramMb: 10_240_000 }),
  tokenTtlMs: 3_600_000,
  autoFloatingIp: true,
  identityV2: false,
});

function checkNumber(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new RangeError(
      `Cannot set fake cloud knob "${name}": must be a number from 0 to ${max}: current value is ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Returns `base` with the valid entries of `patch` applied; unknown keys and bad values
 * throw, naming the key.
 * @throws RangeError for a bad value or unknown key.
 */
export function applyKnobs(base: FakeCloudKnobs, patch: Record<string, unknown>): FakeCloudKnobs {
  const next: FakeCloudKnobs = { ...base, quota: { ...base.quota } };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    switch (key) {
      case 'latencyMs':
      case 'buildDelayMs':
      case 'deleteDelayMs':
      case 'imageSaveDelayMs':
      case 'tokenTtlMs':
        next[key] = checkNumber(key, value);
        break;
      case 'createFailureRate':
      case 'deleteFailureRate':
        next[key] = checkNumber(key, value, 1);
        break;
      case 'failureMode':
        if (value !== 'http' && value !== 'error') {
          throw new RangeError(
            `Cannot set fake cloud knob "failureMode": must be "http" or "error": current value is ${JSON.stringify(value)}`,
          );
        }
        next.failureMode = value;
        break;
      case 'autoFloatingIp':
      case 'identityV2':
        if (typeof value !== 'boolean') {
          throw new RangeError(
            `Cannot set fake cloud knob "${key}": must be true or false: current value is ${JSON.stringify(value)}`,
          );
        }
        next[key] = value;
        break;
      case 'quota':
        if (typeof value !== 'object' || value === null) {
          throw new RangeError(
            `Cannot set fake cloud knob "quota": must be an object: current value is ${JSON.stringify(value)}`,
          );
        }
        for (const [q, v] of Object.entries(value as Record<string, unknown>)) {
          if (q !== 'instances' && q !== 'cores' && q !== 'ramMb') {
            throw new RangeError(
              `Cannot set fake cloud knob "quota.${q}": known quotas are instances, cores, ramMb`,
            );
          }
          next.quota[q] = checkNumber(`quota.${q}`, v);
        }
        break;
      default:
        throw new RangeError(`Cannot set fake cloud knob "${key}": unknown knob`);
    }
  }
  return next;
}
