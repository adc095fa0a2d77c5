/**
 * Real headless Chromium (Debian's `chromium`) for page tests: `--dump-dom` after the
 * page's scripts ran for a virtual-time budget, and `--screenshot`. Each run gets its own
 * profile directory and is killed if it outlives its time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary, or the reason there is none (print it when skipping). */
export function findChromium(): { path: string | null; reason: string } {
  for (const p of CANDIDATES) {
    const r = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return { path: p, reason: '' };
  }
  return {
    path: null,
    reason: 'no chromium binary (install the Debian package "chromium": scripts/install-deps.sh)',
  };
}

/** The flags every run uses: no sandbox (root in containers), no network chatter. */
const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--hide-scrollbars',
];

/** Options of {@link runChromium}. */
export interface ChromiumRunOptions {
  /** Virtual time the page's timers and fetches may use before the DOM is taken. @default 8000 */
  readonly virtualTimeBudgetMs?: number;
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** @default '1280,1400' */
  readonly windowSize?: string;
}

async function run(
  binary: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'np-chromium-'));
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(binary, [...BASE_FLAGS, `--user-data-dir=${profile}`, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve({ stdout, stderr });
        else
          reject(
            new Error(
              `chromium ${args.join(' ')} ended with ${signal ?? code}: ${stderr.slice(-2000)}`,
            ),
          );
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Loads `url`, lets its scripts run, and returns the serialised DOM. */
export async function dumpDom(
  binary: string,
  url: string,
  options: ChromiumRunOptions = {},
): Promise<string> {
  const { stdout } = await run(
    binary,
    [
      `--window-size=${options.windowSize ?? '1280,1400'}`,
      `--virtual-time-budget=${options.virtualTimeBudgetMs ?? 8000}`,
      '--dump-dom',
      url,
    ],
    options.timeoutMs ?? 60_000,
  );
  return stdout;
}

/** Loads `url`, lets its scripts run, and writes a PNG screenshot to `file`. */
export async function screenshot(
  binary: string,
  url: string,
  file: string,
  options: ChromiumRunOptions = {},
): Promise<void> {
  await run(
    binary,
    [
      `--window-size=${options.windowSize ?? '1280,1400'}`,
      `--virtual-time-budget=${options.virtualTimeBudgetMs ?? 8000}`,
      `--screenshot=${file}`,
      url,
    ],
    options.timeoutMs ?? 60_000,
  );
}
