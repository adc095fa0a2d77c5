/** The `nodepool-fake-cloud` executable, run from source through tsx. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';

const MAIN = new URL('../../../src/cmd/nodepool-fake-cloud-main.ts', import.meta.url).pathname;

function start(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

describe('nodepool-fake-cloud', () => {
  it('prints its auth URL and a clouds.yaml, serves the knobs given, and stops on SIGTERM', async () => {
    const p = start([
      '--port',
      '0',
      '--quota',
      '3',
      '--build-delay',
      '0.5',
      '--region',
      'fake-region',
    ]);
    try {
      const authUrl = await waitFor(
        async () => /auth URL (http:\/\/127\.0\.0\.1:\d+\/v3)/.exec(p.out())?.[1],
        { timeoutMs: 30_000, what: 'the auth URL' },
      );
      expect(p.out()).toContain(`auth_url: ${authUrl}`);
      expect(p.out()).toContain('region_name: fake-region');
      const knobs: any = await (await fetch(authUrl.replace(/\/v3$/, '/_fake/knobs'))).json();
      expect(knobs.knobs).toMatchObject({ buildDelayMs: 500, quota: { instances: 3 } });
      const exited = once(p.child, 'exit');
      p.child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  });

  it('refuses a bad option value with exit status 2 and a message naming it', async () => {
    const p = start(['--failure-rate', '3']);
    const [code] = await once(p.child, 'exit');
    expect(code).toBe(2);
    expect(p.err()).toContain('--failure-rate must be a number from 0 to 1: current value is "3"');
  });
});
