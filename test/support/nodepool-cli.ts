/**
 * Running the `nodepool` CLI from tests: in-process through `main()` (stdout and stderr
 * captured), or as a child process like an operator would.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { main } from '../../src/cmd/nodepool.js';
import type { CliFiles } from './cli-files.js';
import type { SshSeam } from '../../src/launcher/index.js';

export { writeCliFiles } from './cli-files.js';
export type { CliFiles } from './cli-files.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What one CLI run produced. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

function globalArgs(files: CliFiles): string[] {
  return ['-c', files.configPath, '-s', files.securePath];
}

/**
 * Runs `nodepool <args>` in this process and captures what it writes.
 * With `nowMs`, `Date` is frozen at that time for the run (ages, `state_time`).
 */
export async function runCli(
  files: CliFiles,
  args: readonly string[],
  options: { nowMs?: number; ssh?: SshSeam } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
    stderr += String(chunk);
    return true;
  });
  if (options.nowMs !== undefined) vi.useFakeTimers({ toFake: ['Date'], now: options.nowMs });
  try {
    const status = await main(
      [...globalArgs(files), ...args],
      options.ssh !== undefined ? { ssh: options.ssh } : {},
    );
    return { status, stdout, stderr };
  } finally {
    if (options.nowMs !== undefined) vi.useRealTimers();
    out.mockRestore();
    err.mockRestore();
  }
}

/** Runs `nodepool <args>` as a child process (through tsx, from the source tree). */
export function runCliChild(files: CliFiles, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'src/cmd/nodepool-main.ts'),
        ...globalArgs(files),
        ...args,
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}
