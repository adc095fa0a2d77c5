/**
 * Finds compiled JavaScript of the CLI for benchmarks, which must not pay for on-the-fly
 * TypeScript: `dist/`, rebuilt first (`tsc -p tsconfig.build.json`, as `npm run build`) when
 * a source file is newer than it.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

/** The compiled output directory and how it was obtained. */
export interface CompiledCli {
  /** Absolute path of `cmd/nodepool-main.js`. */
  readonly mainJs: string;
  /** `dist` or `dist (rebuilt)`. */
  readonly source: string;
}

/** Returns a compiled CLI that reflects the current sources, building one if needed. */
export async function compiledCli(): Promise<CompiledCli> {
  const distMain = path.join(ROOT, 'dist/cmd/nodepool-main.js');
  const srcNewest = await newestMtime(path.join(ROOT, 'src'));
  const distTime = await stat(distMain).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (distTime > srcNewest) return { mainJs: distMain, source: 'dist' };
  try {
    await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        maxBuffer: 64 * 2 ** 20,
      },
    );
  } catch {
    // tsc still emits JavaScript when some file has type errors (another area's work in
    // progress); the benchmark only needs the emitted code.
  }
  await stat(distMain);
  return { mainJs: distMain, source: 'dist (rebuilt)' };
}
