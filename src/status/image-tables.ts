/**
 * The two image listings docs/behaviour.md#command-line-and-daemons, shared by `nodepool dib-image-list` /
 * `image-list` and the web app's `/dib-image-list` / `/image-list`, so both print the same
 * bytes. Collection reads ZooKeeper without locks, as upstream.
 */
import { snapshotStateName } from '../db/index.js';
import type { SnapshotImageRecord } from '../db/index.js';
import { buildDisplayId } from '../zk/index.js';
import type { ImageBuild, ImageBuilds, ImageUpload, ZkCallOptions } from '../zk/index.js';
import { formatAge, formatTable } from './format.js';
import type { Cell } from './format.js';

/** Columns of `dib-image-list`. */
export const DIB_IMAGE_LIST_HEADERS = [
  'ID',
  'Image',
  'Builder',
  'Formats',
  'State',
  'Age',
] as const;

/** Columns of `image-list`. */
export const IMAGE_LIST_HEADERS = [
  'Build ID',
  'Upload ID',
  'Provider',
  'Image',
  'Provider Image Name',
  'Provider Image ID',
  'State',
  'Age',
] as const;

/**
 * Every build record: images by name, then (unlike upstream's unspecified child order) build
 * ids ascending.
 */
export async function collectBuilds(
  images: ImageBuilds,
  options: ZkCallOptions = {},
): Promise<ImageBuild[]> {
  const builds: ImageBuild[] = [];
  for (const image of await images.getImageNames(options)) {
    builds.push(...(await images.getBuilds(image, options)));
  }
  return builds;
}

/**
 * Every upload record in any state: images by name, build ids ascending, providers by name,
 * upload ids ascending.
 */
export async function collectUploads(
  images: ImageBuilds,
  options: ZkCallOptions = {},
): Promise<ImageUpload[]> {
  const uploads: ImageUpload[] = [];
  for (const image of await images.getImageNames(options)) {
    for (const buildId of await images.getBuildIds(image, options)) {
      for (const provider of await images.getBuildProviders(image, buildId, options)) {
        uploads.push(...(await images.getUploads(image, buildId, provider, options)));
      }
    }
  }
  return uploads;
}

function buildCells(b: ImageBuild, nowMs: number): Cell[] {
  return [
    buildDisplayId(b.image, b.id),
    b.image,
    b.builder,
    b.formats.join(','),
    b.state,
    formatAge(b.stateTime, nowMs),
  ];
}

/** The `dib-image-list` table, without a trailing newline. */
export function dibImageListTable(builds: readonly ImageBuild[], nowMs: number): string {
  return formatTable(
    DIB_IMAGE_LIST_HEADERS,
    builds.map((b) => buildCells(b, nowMs)),
  );
}

/** The JSON rows of `dib-image-list --json` and `/dib-image-list.json`. */
export function dibImageListJson(
  builds: readonly ImageBuild[],
  nowMs: number,
): Record<string, unknown>[] {
  return builds.map((b) => ({
    id: buildDisplayId(b.image, b.id),
    image: b.image,
    buildId: b.id,
    builder: b.builder,
    formats: b.formats,
    state: b.state,
    stateTime: b.stateTime,
    age: formatAge(b.stateTime, nowMs),
  }));
}

function uploadCells(u: ImageUpload, nowMs: number): Cell[] {
  return [
    u.buildId,
    u.id,
    u.provider,
    u.image,
    u.externalName,
    u.externalId,
    u.state,
    formatAge(u.stateTime, nowMs),
  ];
}

/** The `Build ID` cell of a 0.3-era snapshot image row in `image-list`. */
export const SNAPSHOT_BUILD_ID = 'snapshot';

/**
 * A `snapshot_image` row as an `image-list` row: Build ID `snapshot`, Upload ID the row id
 * (the ID `nodepool image-delete ID` takes), the snapshot's name (the template host name)
 * and cloud id, and the row's state.
 */
function snapshotCells(r: SnapshotImageRecord, nowMs: number): Cell[] {
  return [
    SNAPSHOT_BUILD_ID,
    r.id,
    r.providerName,
    r.imageName,
    r.hostname,
    r.externalId,
    snapshotStateName(r.state),
    formatAge(r.stateTime, nowMs),
  ];
}

/**
 * The `image-list` table, without a trailing newline: the uploads, then the 0.3-era
 * snapshot images (only given when the config has snapshot images).
 */
export function imageListTable(
  uploads: readonly ImageUpload[],
  nowMs: number,
  snapshots: readonly SnapshotImageRecord[] = [],
): string {
  return formatTable(IMAGE_LIST_HEADERS, [
    ...uploads.map((u) => uploadCells(u, nowMs)),
    ...snapshots.map((r) => snapshotCells(r, nowMs)),
  ]);
}

/** The JSON rows of snapshot images in `image-list --json` (`kind: 'snapshot'`). */
export function snapshotImageListJson(
  snapshots: readonly SnapshotImageRecord[],
  nowMs: number,
): Record<string, unknown>[] {
  return snapshots.map((r) => ({
    kind: 'snapshot',
    buildId: SNAPSHOT_BUILD_ID,
    uploadId: String(r.id),
    id: r.id,
    provider: r.providerName,
    image: r.imageName,
    externalName: r.hostname,
    externalId: r.externalId,
    serverExternalId: r.serverExternalId,
    version: r.version,
    state: snapshotStateName(r.state),
    stateTime: r.stateTime,
    age: formatAge(r.stateTime, nowMs),
  }));
}

/** The JSON rows of `image-list --json` and `/image-list.json`. */
export function imageListJson(
  uploads: readonly ImageUpload[],
  nowMs: number,
): Record<string, unknown>[] {
  return uploads.map((u) => ({
    buildId: u.buildId,
    uploadId: u.id,
    provider: u.provider,
    image: u.image,
    externalName: u.externalName,
    externalId: u.externalId,
    state: u.state,
    stateTime: u.stateTime,
    age: formatAge(u.stateTime, nowMs),
  }));
}
