/**
 * A nodepool daemon (`nodepoold` or `nodepool-builder`) as a real child process, run from the
 * TypeScript sources through tsx, that chaos scenarios kill with SIGKILL and start again.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const ENTRY = {
  // The shipped main() through the test harness, which may compose another SSH seam.
  nodepoold: 'test/support/nodepoold-harness.ts',
  'nodepool-builder': 'src/cmd/nodepool-builder-main.ts',
} as const;

/** Which daemon. */
export type DaemonName = keyof typeof ENTRY;

/** How to run a daemon. */
export interface DaemonSpec {
  name: DaemonName;
  /** Arguments after the entry point (`-d` is added). */
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** One daemon, started and killed any number of times; keeps the output of every run. */
export class Daemon {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private out = '';
  /** Number of starts so far. */
  starts = 0;
  /** Exit descriptions of earlier runs (`code 0`, `signal SIGKILL`). */
  readonly exits: string[] = [];

  constructor(readonly spec: DaemonSpec) {}

  /** True while the process runs. */
  get isRunning(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything every run printed (stdout and stderr). */
  output(): string {
    return this.out;
  }

  /** The last `maxChars` of the output without debug/trace log lines (for failure reports). */
  tail(maxChars = 4000): string {
    const kept = this.out.split('\n').filter((l) => !/^\{"level":(10|20),/.test(l));
    return kept.join('\n').slice(-maxChars);
  }

  /** Starts the daemon (in the foreground, `-d`). @throws when it is already running */
  start(): void {
    if (this.isRunning) throw new Error(`Cannot start ${this.spec.name}: it is already running`);
    const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(
      process.execPath,
      ['--import', loader, path.join(ROOT, ENTRY[this.spec.name]), '-d', ...this.spec.args],
      {
        cwd: this.spec.cwd,
        env: { ...process.env, STATSD_HOST: '', ...this.spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.starts++;
    this.out += `\n--- ${this.spec.name} start #${this.starts} (pid ${child.pid}) ---\n`;
    // CHAOS_LOG_DIR: also keep every run's whole output there, one file per daemon process.
    const logDir = process.env['CHAOS_LOG_DIR'];
    const keep = (d: Buffer): void => {
      this.out += d.toString();
      if (logDir) appendFileSync(path.join(logDir, `${this.spec.name}-${child.pid}.log`), d);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        process.removeListener('exit', killOnExit);
        this.exits.push(signal !== null ? `signal ${signal}` : `code ${code}`);
        resolve();
      }),
    );
    this.child = child;
  }

  /** Sends a signal (e.g. SIGUSR2 for nodepoold's diagnostic report). */
  signal(sig: NodeJS.Signals): void {
    if (this.isRunning) this.child?.kill(sig);
  }

  /** `kill -9`; resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    if (this.isRunning) child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /**
   * Graceful stop: SIGINT, then SIGKILL after `graceMs`. Resolves to the exit description.
   */
  async stop(graceMs = 30_000): Promise<string> {
    const child = this.child;
    if (child === null) return 'not running';
    if (this.isRunning) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    } else {
      await this.exited;
    }
    this.child = null;
    return this.exits[this.exits.length - 1] ?? 'unknown';
  }
}
