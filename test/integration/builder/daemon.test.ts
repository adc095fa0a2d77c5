/**
 * `bin/nodepool-builder -d` as an operator runs it (built into dist/ by `npm run build`):
 * builds and uploads against real ZooKeeper and its in-process `auth-url: fake` cloud; then a
 * slow build is in progress at SIGINT, and the daemon exits 0 with dib and its children gone
 * and the build marked failed. Also: a builder service stopped mid-build abandons it cleanly.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { FAKE_DIB, useBuilderFixture, WAIT_MS } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'nodepool-builder');
const { address, reason } = sharedZooKeeper();
const distReason = existsSync(path.join(ROOT, 'dist/builder/builder.js'))
  ? null
  : 'dist/ has no builder (run npm run build)';
const skip = address === null ? reason : distReason;
if (skip !== null) process.stderr.write(`SKIPPED nodepool-builder daemon test: ${skip}\n`);

/** True while `pid` runs (a zombie, killed but not yet reaped, counts as gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Adds env-vars to `fake-image2` (the second diskimage of node_two_image.yaml). */
function slowImage2(text: string): string {
  const at = text.indexOf('  - name: fake-image2', text.indexOf('diskimages:'));
  const env = text.indexOf('    env-vars:\n', at) + '    env-vars:\n'.length;
  return `${text.slice(0, env)}      FAKE_DIB_SLEEP: '120'\n      FAKE_DIB_CHILD: '1'\n${text.slice(env)}`;
}

describe.skipIf(address === null)('nodepool-builder', () => {
  const fx = useBuilderFixture(address);

  it('abandons a running build when stopped: dib and its children are killed, the build failed', async () => {
    await fx.useConfig('node_two_image.yaml', slowImage2);
    const { builder, logs } = await fx.startBuilder({ killGraceMs: 2000 });
    await fx.waitForImage('fake-provider', 'fake-image');
    const line = await waitFor(() => logs.find('started helper process')[0], {
      timeoutMs: WAIT_MS,
      what: 'the slow build',
    });
    const helper = Number(/process (\d+)/.exec(line.msg)?.[1]);
    expect(isAlive(helper)).toBe(true);
    await builder.stop();
    await waitFor(() => !isAlive(helper), { what: 'the helper process to be gone' });
    expect(await fx.images.getBuild('fake-image2', '0000000001')).toMatchObject({
      state: 'failed',
      builder: 'nb-test',
    });
    expect(fx.filesOf('fake-image2', '0000000001')).toEqual([]);
  });

  it.skipIf(skip !== null)(
    'runs in the foreground, builds and uploads, and stops on SIGINT without orphans',
    async () => {
      await fx.useConfig('node.yaml');
      const logDir = path.join(fx.dir, 'build-logs');
      const child = spawn(
        process.execPath,
        [BIN, '-d', '-c', fx.configPath, '--upload-workers', '2'],
        {
          cwd: fx.dir,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NODEPOOL_DIB_CMD: FAKE_DIB, NODEPOOL_BUILD_LOG_DIR: logDir },
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exit = new Promise<number | null>((resolve) =>
        child.on('close', (code) => resolve(code)),
      );
      try {
        const u = await fx.waitForImage('fake-provider', 'fake-image').catch((err: unknown) => {
          throw new Error(`builder output:\n${out}`, { cause: err });
        });
        expect(u.externalName).toMatch(/^template-fake-image-\d+$/);
        expect(readFileSync(path.join(logDir, 'fake-image-0000000001.log'), 'utf8')).toContain(
          'fake-image-create: done',
        );

        // A slow build with a helper process is running when the operator stops the daemon.
        await fx.useConfig('node_two_image.yaml', slowImage2);
        const buildLog = path.join(logDir, 'fake-image2-0000000001.log');
        // The build worker sleeps 10 s between passes: ask for the build to start it now.
        await fx.images.submitBuildRequest('fake-image2');
        const helper = await waitFor(
          () => {
            const m = existsSync(buildLog)
              ? /started helper process (\d+)/.exec(readFileSync(buildLog, 'utf8'))
              : null;
            return m === null ? null : Number(m[1]);
          },
          { timeoutMs: WAIT_MS, what: 'the slow build to start' },
        );
        child.kill('SIGINT');
        expect(await exit).toBe(0);
        expect(isAlive(helper)).toBe(false);
        expect(await fx.images.getBuild('fake-image2', '0000000001')).toMatchObject({
          state: 'failed',
        });
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  );
});
