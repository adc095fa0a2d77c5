/**
 * The JSON of build and upload records (docs/behaviour.md#the-image-tree), read and written exactly as Python Nodepool
 * 0.4.0 does: `json.dumps` separators and ASCII escaping, `state_time` as float seconds,
 * `formats` as a comma-joined string. Ids and names come from the path, never the JSON.
 */
import { jsonDumps } from '../compat/index.js';
import { ZooKeeperError } from './errors.js';

/** States a build record is written with. */
export const BUILD_STATES = ['building', 'ready', 'failed', 'deleting'] as const;
/** A build state. */
export type BuildState = (typeof BUILD_STATES)[number];

/** States an upload record is written with. */
export const UPLOAD_STATES = ['uploading', 'ready', 'failed', 'deleting'] as const;
/** An upload state. */
export type UploadState = (typeof UPLOAD_STATES)[number];

/** What is stored in a build record (the id comes from the path). */
export interface ImageBuildData {
  readonly state: BuildState;
  /** Unix seconds of the last state change. @default now */
  readonly stateTime?: number;
  /** Hostname of the builder that made the build; omitted when null. */
  readonly builder?: string | null;
  /** Written comma-joined; omitted when empty. */
  readonly formats?: readonly string[];
  /** Keys we do not know (e.g. HEAD~1's `builder_id`), written back unchanged. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A build record as read. `state` is shown as is when unknown (treated as not ready). */
export interface ImageBuild {
  readonly image: string;
  /** Build id, normally 10 digits (`0000000001`). */
  readonly id: string;
  readonly state: BuildState | (string & NonNullable<unknown>) | null;
  readonly stateTime: number | null;
  readonly builder: string | null;
  readonly formats: readonly string[];
  readonly extra: Readonly<Record<string, unknown>>;
  /** Znode data version, for conditional writes. */
  readonly version: number;
}

/** What is stored in an upload record. */
export interface ImageUploadData {
  readonly state: UploadState;
  /** @default now */
  readonly stateTime?: number;
  /** The cloud's image id. @default null */
  readonly externalId?: string | null;
  /** The image name in the cloud. @default null */
  readonly externalName?: string | null;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** An upload record as read. */
export interface ImageUpload {
  readonly image: string;
  readonly buildId: string;
  readonly provider: string;
  /** Upload id, normally 10 digits. */
  readonly id: string;
  readonly state: UploadState | (string & NonNullable<unknown>) | null;
  readonly stateTime: number | null;
  readonly externalId: string | null;
  readonly externalName: string | null;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly version: number;
}

const BUILD_KEYS = new Set(['state', 'state_time', 'builder', 'formats']);
const UPLOAD_KEYS = new Set(['state', 'state_time', 'external_id', 'external_name']);

/** Current time as Unix seconds with microseconds, like Python's `time.time()`. */
export function nowSeconds(): number {
  return Math.round(Date.now() * 1000) / 1e6;
}

const FLOAT_KEYS = new Set(['state_time']);

function withExtra(
  known: Record<string, unknown>,
  extra: Readonly<Record<string, unknown>> | undefined,
  keys: ReadonlySet<string>,
): Record<string, unknown> {
  const out = { ...known };
  for (const [k, v] of Object.entries(extra ?? {})) if (!keys.has(k)) out[k] = v;
  return out;
}

/** Serialises a build record: `state`, `state_time`, then `builder` and `formats` when set. */
export function encodeBuild(data: ImageBuildData): Buffer {
  const d: Record<string, unknown> = {
    state: data.state,
    state_time: data.stateTime ?? nowSeconds(),
  };
  if (data.builder !== undefined && data.builder !== null) d.builder = data.builder;
  if (data.formats !== undefined && data.formats.length > 0) d.formats = data.formats.join(',');
  return Buffer.from(
    jsonDumps(withExtra(d, data.extra, BUILD_KEYS), { floatKeys: FLOAT_KEYS }),
    'utf8',
  );
}

/** Serialises an upload record: `state`, `state_time`, `external_id`, `external_name`. */
export function encodeUpload(data: ImageUploadData): Buffer {
  const d: Record<string, unknown> = {
    state: data.state,
    state_time: data.stateTime ?? nowSeconds(),
    external_id: data.externalId ?? null,
    external_name: data.externalName ?? null,
  };
  return Buffer.from(
    jsonDumps(withExtra(d, data.extra, UPLOAD_KEYS), { floatKeys: FLOAT_KEYS }),
    'utf8',
  );
}

/** Parses record JSON into an object. @throws ZooKeeperError naming the znode. */
function parseObject(data: Buffer, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new ZooKeeperError(`Cannot read record "${path}": invalid JSON`, {
      path,
      code: 'ERR_ZK_RECORD_INVALID',
      cause: err,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ZooKeeperError(`Cannot read record "${path}": expected a JSON object`, {
      path,
      code: 'ERR_ZK_RECORD_INVALID',
    });
  }
  return value as Record<string, unknown>;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function extraOf(d: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(d).filter(([k]) => !keys.has(k)));
}

/** Reads a build record; missing keys give null, unknown keys go to `extra`. */
export function decodeBuild(
  data: Buffer,
  at: { path: string; image: string; id: string; version: number },
): ImageBuild {
  const d = parseObject(data, at.path);
  const f = d.formats;
  const formats =
    typeof f === 'string'
      ? f === ''
        ? []
        : f.split(',')
      : Array.isArray(f)
        ? f.filter((x): x is string => typeof x === 'string')
        : [];
  return {
    image: at.image,
    id: at.id,
    state: str(d.state),
    stateTime: num(d.state_time),
    builder: str(d.builder),
    formats,
    extra: extraOf(d, BUILD_KEYS),
    version: at.version,
  };
}

/** Reads an upload record; missing keys give null, unknown keys go to `extra`. */
export function decodeUpload(
  data: Buffer,
  at: {
    path: string;
    image: string;
    buildId: string;
    provider: string;
    id: string;
    version: number;
  },
): ImageUpload {
  const d = parseObject(data, at.path);
  return {
    image: at.image,
    buildId: at.buildId,
    provider: at.provider,
    id: at.id,
    state: str(d.state),
    stateTime: num(d.state_time),
    externalId: str(d.external_id),
    externalName: str(d.external_name),
    extra: extraOf(d, UPLOAD_KEYS),
    version: at.version,
  };
}

/** The writable data of a build with a new state and time, keeping every other field. */
export function buildWithState(
  build: ImageBuild,
  state: BuildState,
  stateTime: number = nowSeconds(),
): ImageBuildData {
  return { state, stateTime, builder: build.builder, formats: build.formats, extra: build.extra };
}

/** The writable data of an upload with a new state and time, keeping the external fields. */
export function uploadWithState(
  upload: ImageUpload,
  state: UploadState,
  stateTime: number = nowSeconds(),
): ImageUploadData {
  return {
    state,
    stateTime,
    externalId: upload.externalId,
    externalName: upload.externalName,
    extra: upload.extra,
  };
}
