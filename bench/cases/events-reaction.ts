/**
 * How fast a launcher reacts to a change another process made (issue #15), measured from
 * outside: `bin/nodepoold` and a `nodepool-fake-cloud` process (rate 0.01, one label of
 * min-ready 5), and per sample either the real compiled `nodepool delete ID` as its own
 * process (`cli-delete-reaction`: from the CLI's exit to the replacement's server create
 * call, as the fake cloud timed its arrival) or a plain SQL UPDATE of the node's state
 * (`foreign-write-reaction`: from the UPDATE's commit to that create call). Each sample
 * waits for the pool to be full and settled again, so the next create is the replacement.
 */
import { spawn } from 'node:child_process';
import { stateCode } from '../../src/db/index.js';
import { openDatabase } from '../../src/db/index.js';
import type { Database } from '../../src/db/index.js';
import { delay } from '../../src/util/index.js';
import { compiledCli } from '../support/compiled-cli.js';
import { startDaemonEnv } from '../support/daemon-env.js';
import type { DaemonEnv } from '../support/daemon-env.js';

const READY = 5;
const OPTIONS = {
  labels: [{ name: 'a', minReady: READY }],
  maxServers: 20,
  rate: 0.01,
  knobs: { buildDelayMs: 200, deleteDelayMs: 200 },
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

async function settled(env: DaemonEnv, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await env.states();
    if ((s['ready'] ?? 0) === READY && Object.keys(s).every((k) => k === 'ready')) return;
    if (env.exited()) throw new Error(`nodepoold exited: ${env.output().slice(-2000)}`);
    if (Date.now() > deadline)
      throw new Error(
        `Timed out waiting for ${READY} ready nodes and nothing else: ${JSON.stringify(s)}`,
      );
    await delay(25);
  }
}

/** The first server create the fake cloud received at or after `sinceMs`. */
async function createAfter(env: DaemonEnv, sinceMs: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const call = (await env.serverCalls()).find((c) => c.method === 'POST' && c.atMs >= sinceMs);
    if (call !== undefined) return call.atMs;
    if (Date.now() > deadline) throw new Error('Timed out waiting for the replacement create');
    await delay(10);
  }
}

function runCli(mainJs: string, env: DaemonEnv, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [mainJs, '-c', env.files.configPath, '-s', env.files.securePath, ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, OS_CLIENT_CONFIG_FILE: env.files.cloudsPath },
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const at = Date.now();
      if (code === 0) resolve(at);
      else reject(new Error(`nodepool ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

async function oneReady(db: Database): Promise<number> {
  const [node] = await db.nodes.list({ state: 'ready' });
  if (node === undefined) throw new Error('No ready node');
  return node.id;
}

function figures(samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: samples.length,
    'p50 ms': percentile(sorted, 50),
    'p99 ms': percentile(sorted, 99),
    'max ms': sorted.at(-1) ?? NaN,
  };
}

const cliDeleteCase = {
  name: 'cli-delete-reaction',
  goal: '`nodepool delete ID` (real CLI process), 40 samples: CLI exit → replacement create call p99 ≤ 100 ms',
  async run() {
    const cli = await compiledCli();
    const env = await startDaemonEnv(OPTIONS);
    const db = await openDatabase(await dburiOf(env), { poolMax: 1 });
    try {
      const samples: number[] = [];
      const cliMs: number[] = [];
      for (let i = 0; i < 40; i++) {
        await settled(env);
        const id = await oneReady(db);
        const started = Date.now();
        const exitedAt = await runCli(cli.mainJs, env, ['delete', String(id)]);
        cliMs.push(exitedAt - started);
        // The poke goes out before the CLI closes its connections: the create may come first.
        samples.push((await createAfter(env, started)) - exitedAt);
      }
      const f = figures(samples);
      return {
        figures: {
          ...f,
          goal: 'p99 ≤ 100 ms',
          'CLI run p50 ms': percentile(
            [...cliMs].sort((a, b) => a - b),
            50,
          ),
        },
        met: f['p99 ms']! <= 100,
      };
    } finally {
      await db.close();
      await env.stop();
    }
  },
};

const foreignWriteCase = {
  name: 'foreign-write-reaction',
  goal: 'a plain SQL UPDATE to delete (no poke), 20 samples: commit → replacement create call p99 ≤ 2 s',
  async run() {
    const env = await startDaemonEnv(OPTIONS);
    const db = await openDatabase(await dburiOf(env), { poolMax: 1 });
    try {
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        await settled(env);
        const id = await oneReady(db);
        await db
          .knex('node')
          .where({ id })
          .update({ state: stateCode('delete') });
        const committedAt = Date.now();
        samples.push((await createAfter(env, committedAt - 50)) - committedAt);
      }
      const f = figures(samples);
      return { figures: { ...f, goal: 'p99 ≤ 2000 ms' }, met: f['p99 ms']! <= 2000 };
    } finally {
      await db.close();
      await env.stop();
    }
  },
};

/** The daemon's database URL, read back from its secure.conf. */
async function dburiOf(env: DaemonEnv): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const m = /dburi=(.*)/.exec(await readFile(env.files.securePath, 'utf8'));
  if (m === null) throw new Error('Cannot read dburi from the bench secure.conf');
  return m[1]!.trim();
}

export default [cliDeleteCase, foreignWriteCase];
