/**
 * `bin/nodepool-builder -d --web-address` (built into dist/ by `npm run build`) serves the
 * health endpoints: ready goes 503 naming `dib` while its dib command is missing and naming
 * `images-dir` while that cannot be written to, and 200 again once each is back; live stays
 * 200 while the worker loops run.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { freePort } from '../../support/zookeeper.js';
import { FAKE_DIB, useBuilderFixture } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'nodepool-builder');
const { address, reason } = sharedZooKeeper();
const skip =
  address === null
    ? reason
    : existsSync(path.join(ROOT, 'dist/builder/health.js'))
      ? null
      : 'dist/ has no builder health checks (run npm run build)';
if (skip !== null) process.stderr.write(`SKIPPED nodepool-builder health test: ${skip}\n`);

interface Answer {
  status: number;
  body: { status: string; checks: Record<string, { status: string; detail?: string }> };
}

async function get(port: number, p: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

describe.skipIf(skip !== null)('nodepool-builder --web-address', () => {
  const fx = useBuilderFixture(address);

  it('answers ready 503 naming dib or images-dir while they are unusable', async () => {
    await fx.useConfig('node.yaml');
    const dib = path.join(fx.dir, 'bin', 'my-dib');
    await mkdir(path.dirname(dib), { recursive: true });
    copyFileSync(FAKE_DIB, dib);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [BIN, '-d', '-c', fx.configPath, '--web-address', `127.0.0.1:${port}`],
      {
        cwd: fx.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODEPOOL_DIB_CMD: dib, NODEPOOL_BUILD_LOG_DIR: fx.dir },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    let last: Answer | null = null;
    const until = async (p: string, status: number, what: string): Promise<Answer> => {
      await waitFor(
        async () => {
          last = await get(port, p).catch(() => null);
          return last?.status === status;
        },
        {
          timeoutMs: 30_000,
          intervalMs: 250,
          what: `${p} ${status} ${what}; last: ${JSON.stringify(last)}; output: ${out.slice(-3000)}`,
        },
      );
      return last!;
    };
    try {
      const ready = await until('/health/ready', 200, 'at start');
      expect(ready.body).toEqual({
        status: 'up',
        checks: {
          zookeeper: { status: 'up' },
          'images-dir': { status: 'up', detail: fx.imagesDir },
          dib: { status: 'up', detail: dib },
        },
      });
      const live = await get(port, '/health/live');
      expect(live.status).toBe(200);
      expect(live.body.checks.workers).toEqual({ status: 'up', detail: '6 worker loops running' });
      expect((await fetch(`http://127.0.0.1:${port}/image-list`)).status).toBe(404);

      await rename(dib, `${dib}.away`);
      const noDib = await until('/health/ready', 503, 'with dib gone');
      expect(noDib.body.status).toBe('down');
      expect(noDib.body.checks.dib).toEqual({
        status: 'down',
        detail: `${dib} is not an executable file`,
      });
      expect(noDib.body.checks['images-dir']?.status).toBe('up');
      await rename(`${dib}.away`, dib);
      await until('/health/ready', 200, 'with dib back');

      // The images dir replaced by a file: nothing can be written under it (even as root).
      await rename(fx.imagesDir, `${fx.imagesDir}.away`);
      await writeFile(fx.imagesDir, 'not a directory\n');
      const noDir = await until('/health/ready', 503, 'with images-dir unusable');
      expect(noDir.body.checks['images-dir']?.status).toBe('down');
      expect(noDir.body.checks['images-dir']?.detail).toMatch(/^cannot write in .*ENOTDIR/);
      expect(noDir.body.checks.dib?.status).toBe('up');
      expect((await get(port, '/health/live')).status).toBe(200);
      await rm(fx.imagesDir);
      await rename(`${fx.imagesDir}.away`, fx.imagesDir);
      await until('/health/ready', 200, 'with images-dir back');

      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
