/**
 * The health drop-ins of etc/systemd: they ask the address the daemon serves its health
 * endpoints on, the builder's turns `--web-address` on with the unit's own command line,
 * their curl command succeeds on 200 and fails on 503 (run against a real health app), and
 * `systemd-analyze verify` accepts each unit with its drop-in.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_PORT, HealthApp } from '../../../src/web/index.js';
import type { HealthReport } from '../../../src/web/index.js';
import { ROOT } from '../../support/cli.js';
import {
  parseTimeSpanMs,
  parseUnitFile,
  splitCommandLine,
  unitValue,
} from '../../support/unit-file.js';

const ETC = join(ROOT, 'etc', 'systemd');
const read = (p: string): string => readFileSync(p, 'utf8');
const DROP_INS = [
  { unit: 'nodepoold.service', dropIn: 'nodepoold.service.d/health-wait.conf.sample' },
  { unit: 'nodepool-builder.service', dropIn: 'nodepool-builder.service.d/health.conf.sample' },
] as const;

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 127;
      resolve({ code, out: stdout + stderr });
    });
  });
}

function service(file: string, key: string): string | undefined {
  return unitValue(parseUnitFile(read(join(ETC, file))), 'Service', key);
}

/** The drop-in's ExecStartPost without its leading "-". */
function waitCommand(dropIn: string): string[] {
  return splitCommandLine((service(dropIn, 'ExecStartPost') ?? '').replace(/^-/, ''));
}

describe('etc/systemd health drop-ins', () => {
  it('waits on nodepoold ready at the status web app default address', () => {
    const argv = waitCommand(DROP_INS[0].dropIn);
    expect(argv[0]).toBe('/usr/bin/curl');
    expect(argv.at(-1)).toBe(`http://127.0.0.1:${DEFAULT_WEB_PORT}/health/ready`);
  });

  it('turns the builder health endpoints on with the unit command line, and waits on them', () => {
    const unitStart = service('nodepool-builder.service', 'ExecStart') ?? '';
    const dropIn = parseUnitFile(read(join(ETC, DROP_INS[1].dropIn)));
    const starts = dropIn.get('Service')?.get('ExecStart') ?? [];
    expect(starts).toEqual(['', `${unitStart} --web-address 127.0.0.1:8006`]);
    expect(waitCommand(DROP_INS[1].dropIn).at(-1)).toBe('http://127.0.0.1:8006/health/ready');
  });

  it.each(DROP_INS)('gives $unit a start timeout above the wait', ({ dropIn }) => {
    const argv = waitCommand(dropIn);
    const opt = (name: string): number => Number(argv[argv.indexOf(name) + 1]);
    const waitMs = opt('--retry') * (opt('--retry-delay') + opt('--max-time')) * 1000;
    expect(parseTimeSpanMs(service(dropIn, 'TimeoutStartSec') ?? '')).toBeGreaterThan(waitMs);
  });
});

describe('the drop-ins wait command', () => {
  let app: HealthApp | null = null;
  afterEach(async () => {
    await app?.stop();
    app = null;
  });

  it.each(DROP_INS)('from $dropIn succeeds on 200 and fails on 503', async ({ dropIn }) => {
    let report: HealthReport = { status: 'up', checks: {} };
    app = new HealthApp({
      health: { live: () => Promise.resolve(report), ready: () => Promise.resolve(report) },
      log: pino({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
    });
    await app.start();
    const port = app.port;
    // Same command, at the test app's port, and retrying once so that 503 ends soon.
    const argv = waitCommand(dropIn).map((a) =>
      a.replace(/:\d+\/health\//, `:${port}/health/`).replace(/^30$/, '1'),
    );
    expect(await run(argv[0]!, argv.slice(1))).toEqual({ code: 0, out: '' });
    report = { status: 'down', checks: { database: { status: 'down' } } };
    const down = await run(argv[0]!, argv.slice(1));
    expect(down.code).toBe(22);
    expect(down.out).toMatch(/503/);
  });
});

const analyze = await run('systemd-analyze', ['--version']);
const skip = analyze.code === 0 ? null : 'systemd-analyze is not installed';
if (skip !== null)
  process.stderr.write(`SKIPPED systemd-analyze of the health drop-ins: ${skip}\n`);

describe.skipIf(skip !== null)('systemd-analyze verify with the health drop-ins', () => {
  it('finds nothing wrong with either unit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodepool-units-'));
    const toCheckout = (text: string): string =>
      text.replace(/\/usr\/bin\/nodepool/g, `${join(ROOT, 'bin')}/nodepool`);
    const units = DROP_INS.map(({ unit, dropIn }) => {
      copyFileSync(join(ETC, unit), join(dir, unit));
      writeFileSync(join(dir, unit), toCheckout(read(join(dir, unit))));
      mkdirSync(join(dir, `${unit}.d`));
      writeFileSync(join(dir, `${unit}.d`, 'health.conf'), toCheckout(read(join(ETC, dropIn))));
      return join(dir, unit);
    });
    // SYSTEMD_UNIT_PATH makes verify read the drop-ins beside the units.
    const result = await run('systemd-analyze', ['verify', ...units], {
      ...process.env,
      SYSTEMD_UNIT_PATH: `${dir}:`,
    });
    const ours = result.out
      .split('\n')
      .filter((l) => DROP_INS.some(({ unit }) => l.includes(unit)));
    expect(ours).toEqual([]);
    expect(result.code).toBe(0);
  });
});
