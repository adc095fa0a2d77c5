/**
 * `nodepool` start-up loads only what the verb needs (issue: every invocation used to load
 * knex, the ZooKeeper client, ssh2, the launcher...). Runs the CLI as a process with a
 * module-resolution hook that records every module it resolves, and checks which packages and
 * areas were loaded: ESM imports through the hook, CommonJS modules from `require.cache`. Speed itself is measured by `npm run bench -- cli-list`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodepoolCommand } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'np-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Runs in the loader thread: appends each resolved URL to the file given at registration.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}`;
// Also lists, at exit, the CommonJS modules in require.cache (what packages require()).
const REGISTER = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(HOOKS))}, { data: { file: process.env.NP_RESOLVE_LOG } });
const cache = createRequire(process.execPath).cache;
process.on('exit', () => appendFileSync(process.env.NP_RESOLVE_LOG, Object.keys(cache).join('\\n') + '\\n'));`;

/** Runs `nodepool ARGS` and returns the exit status and the resolved module URLs. */
function traced(
  args: string[],
  name: string,
): Promise<{ code: number | null; stderr: string; urls: string[] }> {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'data:text/javascript,' + encodeURIComponent(REGISTER),
      ...nodepoolCommand(),
      ...args,
    ],
    { cwd: dir, env: { ...process.env, NP_RESOLVE_LOG: log }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ code, stderr, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) }),
    ),
  );
}

/** Packages (node_modules) and our areas (src/ or dist/) among the URLs. */
function loaded(urls: string[]): Set<string> {
  const out = new Set<string>();
  for (const u of urls) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (
      pkg?.[1] !== undefined &&
      pkg[1] !== 'tsx' &&
      pkg[1] !== 'esbuild' &&
      pkg[1] !== 'get-tsconfig'
    )
      out.add(pkg[1]);
    const area = /\/(?:src|dist)\/([^/]+)\/[^/]+$/.exec(u);
    if (area?.[1] !== undefined && !u.includes('/node_modules/')) out.add(`area:${area[1]}`);
  }
  return out;
}

const HEAVY = [
  'knex',
  'node-zookeeper-client',
  'ssh2',
  'zeromq',
  'mysql2',
  'pg',
  'better-sqlite3',
  'hot-shots',
];

describe('nodepool start-up', () => {
  it('loads no database, ZooKeeper, cloud, config or logging code for --help', async () => {
    const r = await traced(['--help'], 'help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.urls.length).toBeGreaterThan(0);
    const mods = loaded(r.urls);
    expect(mods.has('commander')).toBe(true);
    for (const m of [
      ...HEAVY,
      'pino',
      'yaml',
      'area:config',
      'area:db',
      'area:zk',
      'area:provider',
      'area:launcher',
      'area:builder',
      'area:log',
    ]) {
      expect(mods, m).not.toContain(m);
    }
  });

  it('loads the database but no cloud, launcher or builder code for list', async () => {
    writeFileSync(join(dir, 'nodepool.yaml'), 'providers: []\nlabels: []\n');
    writeFileSync(
      join(dir, 'secure.conf'),
      `[database]\ndburi=sqlite:///${join(dir, 'np.sqlite')}\n`,
    );
    const r = await traced(['-c', 'nodepool.yaml', '-s', 'secure.conf', 'list'], 'list');
    expect(r.code, r.stderr).toBe(0);
    const mods = loaded(r.urls);
    for (const m of ['knex', 'better-sqlite3', 'area:db', 'area:config'])
      expect(mods, m).toContain(m);
    const notNeeded = ['node-zookeeper-client', 'ssh2', 'zeromq', 'hot-shots', 'mysql2', 'pg'];
    for (const m of [...notNeeded, 'area:provider', 'area:launcher', 'area:builder', 'area:ssh']) {
      expect(mods, m).not.toContain(m);
    }
  });
});
