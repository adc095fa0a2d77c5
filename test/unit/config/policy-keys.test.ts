/**
 * The pool-policy keys beyond 0.4.0: `providers[].launch-attempts` and top-level
 * `stuck-after` get their defaults when absent (a 0.4.0 file is unchanged), compile to
 * `launchAttempts` / `stuckAfterMs`, and a value below 1 is a located error for both the
 * loader and config-validate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../../../src/config/index.js';

const MINIMAL = `providers:
  - name: p1
    auth-url: fake
    max-servers: 4
    images:
      - name: img
        min-ram: 1024
labels:
  - name: l1
    image: img
    providers:
      - name: p1
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(text: string): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nodepool-policy-keys-'));
  dirs.push(dir);
  const path = join(dir, 'nodepool.yaml');
  writeFileSync(path, text);
  return { path, dir };
}

async function load(text: string): ReturnType<typeof loadConfig> {
  const { path, dir } = file(text);
  return loadConfig(path, { cwd: dir, env: { HOME: join(dir, 'home') } });
}

describe('launch-attempts and stuck-after', () => {
  it('default to 3 and 600 s when absent', async () => {
    const c = await load(MINIMAL);
    expect(c.providers[0]!.launchAttempts).toBe(3);
    expect(c.stuckAfterMs).toBe(600_000);
    await expect(validateConfig(file(MINIMAL).path)).resolves.toEqual([]);
  });

  it('compile given values', async () => {
    const c = await load(
      MINIMAL.replace('    max-servers: 4\n', '    max-servers: 4\n    launch-attempts: 5\n') +
        'stuck-after: 90\n',
    );
    expect(c.providers[0]!.launchAttempts).toBe(5);
    expect(c.stuckAfterMs).toBe(90_000);
  });

  it('reject values below 1 with located problems, in the loader and config-validate', async () => {
    const text =
      MINIMAL.replace('    max-servers: 4\n', '    max-servers: 4\n    launch-attempts: 0\n') +
      'stuck-after: -5\n';
    const err = await load(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => [p.path.join('.'), p.message, p.line])).toEqual(
      [
        [
          'providers.0.launch-attempts',
          'launch-attempts must be at least 1: current value is 0',
          5,
        ],
        ['stuck-after', 'stuck-after must be at least 1: current value is -5', 14],
      ],
    );
    const v = await validateConfig(file(text).path).catch((e: unknown) => e);
    expect((v as ConfigError).problems).toHaveLength(2);
  });

  it('reject a value of the wrong type', async () => {
    const err = await load(`${MINIMAL}stuck-after: soon\n`).catch((e: unknown) => e);
    expect((err as ConfigError).problems.map((p) => p.message)).toEqual([
      'expected an integer, got "soon"',
    ]);
  });
});
