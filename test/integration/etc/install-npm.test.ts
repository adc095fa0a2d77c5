/**
 * `scripts/install-npm.sh` never rewrites package-lock.json (issue #17): in a fresh clone of
 * this repository whose package.json no longer matches the lock file, `npm ci` refuses, and
 * the script must stop with npm's reason instead of running `npm install` (which would
 * rewrite the lock file and leave the checkout modified).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      res({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('scripts/install-npm.sh', () => {
  it("stops with npm ci's reason and leaves package-lock.json as committed", async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-install-npm-'));
    const clone = join(dir, 'clone');
    expect((await run('git', ['clone', '--quiet', ROOT, clone], dir)).code).toBe(0);
    const pkgPath = join(clone, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // A dependency the lock file does not have: npm ci refuses before installing anything.
    pkg.dependencies['left-pad'] = '1.3.0';
    writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
    const lockBefore = readFileSync(join(clone, 'package-lock.json'), 'utf8');

    const r = await run('bash', ['scripts/install-npm.sh'], clone);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm error');
    expect(r.stderr).toContain(
      'install-npm.sh: npm ci refused package-lock.json (see above); the lock file was not changed.',
    );
    expect(readFileSync(join(clone, 'package-lock.json'), 'utf8')).toBe(lockBefore);
    expect((await run('git', ['status', '--short'], clone)).stdout).toBe(' M package.json\n');
  });
});
