/**
 * Runs the `nodepool` CLI as a child process, the way an operator would. Uses the built
 * `bin/nodepool` when `dist/` is at least as new as every file in `src/` (as after
 * `npm run build` in `npm test`), otherwise the TypeScript sources through tsx, so a plain
 * `npx vitest run` never tests stale code.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let cached: string[] | undefined;

/** The command (node and its arguments) that starts the CLI. */
export function nodepoolCommand(): string[] {
  if (cached !== undefined) return cached;
  const built = join(ROOT, 'dist/cmd/nodepool-main.js');
  const isFresh = existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src'));
  cached = isFresh
    ? [join(ROOT, 'bin/nodepool')]
    : [
        '--import',
        pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        join(ROOT, 'src/cmd/nodepool-main.ts'),
      ];
  return cached;
}

/** Result of one CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `nodepool ARGS...` and resolves with its exit status and output (never rejects on exit status). */
export function runNodepool(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [...nodepoolCommand(), ...args],
      { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(err);
          return;
        }
        resolvePromise({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
  });
}
