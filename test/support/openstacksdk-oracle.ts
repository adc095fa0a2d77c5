/**
 * Drives `openstacksdk-oracle.py` (Debian's python3-openstacksdk) from tests: one long-lived
 * python process, one JSON line per question. The process is owned by the returned object
 * and ended by `stop()`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Debian's python, which has `openstack` (a pyenv python first on PATH may not). */
export const ORACLE_PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'openstacksdk-oracle.py');

/** One question: resolve `cloud` (or the default one) as a process started in `cwd` with `env`. */
export interface OracleRequest {
  cwd: string;
  env: Record<string, string>;
  cloud: string | null;
  region_name: string | null;
}

/** How far openstacksdk got, and what its CloudRegion says. */
export interface OracleAnswer {
  stage: 'config' | 'auth' | 'call' | 'done' | 'harness';
  error: string | null;
  region_name: string | null;
  interface: string | null;
}

/** Why the oracle cannot run here, or null when it can. */
export function oracleUnavailable(): string | null {
  const probe = spawnSync(
    ORACLE_PYTHON,
    ['-c', 'import openstack.config.loader, openstack.connection'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (probe.error !== undefined) return `${ORACLE_PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0)
    return `${ORACLE_PYTHON} has no openstacksdk (install python3-openstacksdk): ${probe.stderr.trim().split('\n').pop() ?? ''}`;
  return null;
}

/** A running oracle. */
export class OpenStackSdkOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private stderr = '';

  constructor() {
    this.child = spawn(ORACLE_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) =>
      this.waiting.shift()?.(line),
    );
  }

  /** Asks one question. @throws Error when the oracle died. */
  ask(req: OracleRequest): Promise<OracleAnswer> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error(`openstacksdk oracle exited: ${this.stderr}`));
      this.child.once('exit', onExit);
      this.waiting.push((line) => {
        this.child.off('exit', onExit);
        resolve(JSON.parse(line) as OracleAnswer);
      });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** Ends the python process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
