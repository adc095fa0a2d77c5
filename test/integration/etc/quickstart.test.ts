/**
 * The README's quickstart, end to end: `scripts/quickstart.sh --until-ready` (without the
 * install step, which `npm test` has just done) starts two fake clouds, ZooKeeper, the
 * builder and nodepoold from the built `bin/`, waits for min-ready, shows the pool and
 * stops everything it started.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { nodepoolCommand, ROOT } from '../../support/cli.js';
import { zooKeeperUnavailableReason } from '../../support/zookeeper.js';

function skipReason(): string | null {
  const zk = zooKeeperUnavailableReason();
  if (zk !== null) return zk;
  // The script runs bin/*, i.e. dist/: only meaningful when dist/ is built from this src/.
  if (!nodepoolCommand()[0]!.endsWith('bin/nodepool'))
    return 'dist/ is older than src/ (run npm run build)';
  return null;
}
const skip = skipReason();
if (skip !== null) process.stderr.write(`\n*** SKIPPED: quickstart test: ${skip} ***\n\n`);

/** Command lines of the running processes that mention `needle`. */
function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(pid) !== process.pid) out.push(`${pid}: ${cmd}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

describe.skipIf(skip !== null)('scripts/quickstart.sh --until-ready', () => {
  it('brings the sample pool to min-ready, shows it, and stops everything it started', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nodepool-qs-')), 'work');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          'bash',
          [
            join(ROOT, 'scripts/quickstart.sh'),
            '--skip-install',
            '--until-ready',
            '--timeout',
            '240',
          ],
          {
            cwd: ROOT,
            env: { ...process.env, QUICKSTART_DIR: dir },
            timeout: 300_000,
            maxBuffer: 16 << 20,
          },
          (err, stdout, stderr) => {
            resolve({
              code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1,
              stdout,
              stderr,
            });
          },
        );
      },
    );
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).toBe(0);
    expect(result.stdout).toMatch(/Configuration ".*nodepool\.yaml" is valid\./);
    expect(result.stdout).toContain('small 2/2 ready, large 1/1 ready');
    // `nodepool list`: three ready nodes; `image-list`: one ready upload per provider image.
    const readyRows = result.stdout.split('\n').filter((l) => /^\| \d+ .*\| ready +\|/.test(l));
    expect(readyRows.filter((l) => /\| small +\|/.test(l))).toHaveLength(2);
    expect(readyRows.filter((l) => /\| fake-west +\|.*\| large +\|/.test(l))).toHaveLength(1);
    expect(result.stdout).toMatch(
      /\| fake-east +\| quickstart-small +\| template-quickstart-small-/,
    );
    expect(result.stdout).toMatch(
      /\| fake-west +\| quickstart-large +\| template-quickstart-large-/,
    );
    expect(result.stdout).toMatch(/status page: http:\/\/127\.0\.0\.1:\d+\//);
    // Both daemons stopped cleanly, and nothing it started is left running.
    for (const daemon of ['nodepoold', 'nodepool-builder']) {
      expect(readFileSync(join(dir, 'logs', `${daemon}.log`), 'utf8')).toContain(
        '"msg":"Exiting with status 0"',
      );
    }
    expect(processesMentioning(dir)).toEqual([]);
  }, 320_000);

  it("stops everything it started when npm run quickstart gets SIGTERM (npm's own pid)", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nodepool-qs-')), 'work');
    const npm = spawn('npm', ['run', '--silent', 'quickstart', '--', '--skip-install'], {
      cwd: ROOT,
      env: { ...process.env, QUICKSTART_DIR: dir, QUICKSTART_WEB_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((res) => npm.on('close', (code) => res(code)));
    try {
      await waitFor(() => out.includes('Press Ctrl-C to stop everything.'), {
        what: 'the quickstart to be up',
        timeoutMs: 240_000,
      });
      expect(processesMentioning(dir).length).toBeGreaterThan(3);
      npm.kill('SIGTERM');
      await exit;
      await waitFor(() => processesMentioning(dir).length === 0, {
        what: 'everything the quickstart started to stop',
        timeoutMs: 40_000,
      });
      expect(out).toContain('stopping everything it started');
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  }, 320_000);
});
