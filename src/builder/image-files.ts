/**
 * The files of disk image builds in `images-dir` (docs/behaviour.md#files-in-images-dir): `<image>-<bid>.<type>`,
 * its `.md5` and `.sha256` checksum files, and the `<image>-<bid>.d` manifest directory.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** One image file of a build. */
export interface DibImageFile {
  /** `<image>-<bid>`: the build's display id and the file's stem. */
  readonly base: string;
  /** The format, i.e. the text after the last dot (`qcow2`, `vhd`, `raw`, ...). */
  readonly extension: string;
  /** Absolute (or images-dir relative) path of the image file. */
  readonly path: string;
}

/** Checksums read from the `.md5` and `.sha256` files next to an image (absent → undefined). */
export interface ImageChecksums {
  md5?: string;
  sha256?: string;
}

/**
 * Splits a file name at its last dot into stem and extension; null when there is no dot.
 * Compat: upstream threw on dot-less names and stalled its workers; we ignore them.
 */
export function splitImageFileName(name: string): { base: string; extension: string } | null {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return null;
  return { base: name.slice(0, dot), extension: name.slice(dot + 1) };
}

/**
 * Every image file in `imagesDir`, grouped by build display id. Only regular files count;
 * checksum files group under `<base>.<type>` and so never match a build. A missing directory
 * gives an empty map.
 */
export async function scanImagesDir(imagesDir: string): Promise<Map<string, DibImageFile[]>> {
  const out = new Map<string, DibImageFile[]>();
  let entries;
  try {
    entries = await readdir(imagesDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const parts = splitImageFileName(e.name);
    if (parts === null) continue;
    const file = { ...parts, path: path.join(imagesDir, e.name) };
    const list = out.get(parts.base);
    if (list === undefined) out.set(parts.base, [file]);
    else list.push(file);
  }
  for (const list of out.values()) list.sort((a, b) => a.extension.localeCompare(b.extension));
  return out;
}

/** The image files of one build (`<image>-<bid>.*`), sorted by extension. */
export async function findBuildFiles(imagesDir: string, base: string): Promise<DibImageFile[]> {
  return (await scanImagesDir(imagesDir)).get(base) ?? [];
}

async function readPrefix(file: string, length: number): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim().slice(0, length);
    return /^[0-9a-fA-F]+$/.test(text) && text.length === length ? text.toLowerCase() : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads the checksums dib wrote next to `imagePath` (first 32 / 64 hex characters). */
export async function readChecksums(imagePath: string): Promise<ImageChecksums> {
  const md5 = await readPrefix(`${imagePath}.md5`, 32);
  const sha256 = await readPrefix(`${imagePath}.sha256`, 64);
  return { ...(md5 !== undefined ? { md5 } : {}), ...(sha256 !== undefined ? { sha256 } : {}) };
}

/** Bytes a file really occupies on disk (blocks × 512; sparse files count what is allocated). */
export async function allocatedSize(file: string): Promise<number> {
  return (await stat(file)).blocks * 512;
}

/**
 * Deletes every file of a build: each image with its checksum files, and the `<base>.d`
 * manifest tree, even when no image file exists (docs/behaviour.md#builder-cleanup); `formats` also names checksum
 * files whose image is missing. Files already gone are fine. Returns how many image files
 * there were.
 */
export async function removeBuildFiles(
  imagesDir: string,
  base: string,
  formats: readonly string[] = [],
): Promise<number> {
  const files = await findBuildFiles(imagesDir, base);
  const paths = new Set([
    ...files.map((f) => f.path),
    ...formats.map((t) => path.join(imagesDir, `${base}.${t}`)),
  ]);
  for (const p of paths) {
    for (const f of [p, `${p}.md5`, `${p}.sha256`]) await rm(f, { force: true });
  }
  await rm(path.join(imagesDir, `${base}.d`), { recursive: true, force: true });
  return files.length;
}
