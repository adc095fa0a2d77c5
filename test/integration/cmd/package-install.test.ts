/**
 * The package as an operator installs it (issue #17): `npm pack` of this checkout (which
 * needs `dist/`, built by `npm run build` before the tests), then `npm install -g` of the
 * tarball into a temporary prefix. The installed commands must work from anywhere, without
 * the checkout: `--version` of all three, `nodepool config-validate` on the installed sample,
 * and a `nodepoold` start and stop.
 *
 * Dependencies come from the npm registry (or npm's cache), and npm builds the native parts
 * (better-sqlite3, ...) as on an operator's machine: the slowest test of the suite, about
 * 2.5 to 4.5 minutes on the 2-core development machine (2m33s and 4m24s measured), nearly all
 * of it npm install.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const hasDist = existsSync(join(ROOT, 'dist/cmd/nodepoold-main.js'));
if (!hasDist)
  process.stderr.write('SKIPPED package install test: dist/ is missing (npm run build)\n');

let dir: string;
let prefix: string;

function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      cmd,
      args,
      {
        cwd: options.cwd ?? dir,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        res({ code, stdout, stderr });
      },
    );
  });
}

describe.skipIf(!hasDist)('npm pack, then npm install -g of the tarball', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-package-'));
    prefix = join(dir, 'prefix');
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT });
    expect(pack.code, pack.stderr).toBe(0);
    const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
    const install = await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `./${filename}`,
      ],
      { timeoutMs: 880_000 },
    );
    expect(install.code, install.stderr).toBe(0);
  }, 900_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const bin = (name: string): string => join(prefix, 'bin', name);
  const installed = (): string => join(prefix, 'lib/node_modules/nodepool');

  it('installs the three commands, which print the same version', async () => {
    for (const name of ['nodepoold', 'nodepool-builder', 'nodepool']) {
      const r = await run(bin(name), ['--version']);
      expect(r).toEqual({ code: 0, stdout: 'Nodepool version: 0.4.0\n', stderr: '' });
    }
  });

  it('validates the installed sample config', async () => {
    const env = {
      ...process.env,
      OS_CLIENT_CONFIG_FILE: join(installed(), 'etc/clouds.yaml.sample'),
    };
    const r = await run(
      bin('nodepool'),
      ['-c', join(installed(), 'etc/nodepool.yaml.sample'), 'config-validate'],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('starts nodepoold and stops it on SIGTERM', async () => {
    writeFileSync(join(dir, 'nodepool.yaml'), 'providers: []\nlabels: []\n');
    writeFileSync(join(dir, 'secure.conf'), `[database]\ndburi=sqlite:///${dir}/nodepool.sqlite\n`);
    const child = spawn(
      bin('nodepoold'),
      [
        '-d',
        '-c',
        'nodepool.yaml',
        '-s',
        'secure.conf',
        '-p',
        'nodepoold.pid',
        '--web-address',
        '127.0.0.1:0',
      ],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, NODEPOOL_LOG_FORMAT: 'text' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    try {
      await waitFor(() => / INFO nodepool\.cmd\.nodepoold: nodepoold is running$/m.test(stderr), {
        what: 'nodepoold is running',
        timeoutMs: 30_000,
      });
      expect(existsSync(join(dir, 'nodepoold.pid'))).toBe(true);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(existsSync(join(dir, 'nodepoold.pid'))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
