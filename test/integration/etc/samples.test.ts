/**
 * The files in `etc/` an operator copies to /etc: each sample is read by the code that reads
 * the real file (config loader and validator, secure.conf and clouds.yaml through the loader,
 * the logging config reader, `nodepool config-validate` as a process), and the systemd units
 * are checked key by key and, when available, by `systemd-analyze verify`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SIGTERM_FORCE_MS } from '../../../src/cmd/daemon.js';
import { main as builderMain } from '../../../src/cmd/nodepool-builder.js';
import { main as nodepooldMain } from '../../../src/cmd/nodepoold.js';
import { loadConfig, validateConfig } from '../../../src/config/index.js';
import { readLogConfig } from '../../../src/log/index.js';
import { ROOT, runNodepool } from '../../support/cli.js';
import { substitute } from '../../support/compat-fixtures.js';
import {
  parseTimeSpanMs,
  parseUnitFile,
  splitCommandLine,
  unitValue,
} from '../../support/unit-file.js';
import type { UnitFile } from '../../support/unit-file.js';

const ETC = join(ROOT, 'etc');
const SAMPLE_YAML = join(ETC, 'nodepool.yaml.sample');
const SAMPLE_SECURE = join(ETC, 'secure.conf.sample');
const SAMPLE_CLOUDS = join(ETC, 'clouds.yaml.sample');
const SAMPLE_LOGGING = join(ETC, 'logging.conf.sample');
const env = { ...process.env, OS_CLIENT_CONFIG_FILE: SAMPLE_CLOUDS };

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

describe('etc/nodepool.yaml.sample', () => {
  it('passes config-validate without warnings', async () => {
    expect(await validateConfig(SAMPLE_YAML)).toEqual([]);
  });

  it('passes `nodepool config-validate` run as a process', async () => {
    const result = await runNodepool(['-c', SAMPLE_YAML, 'config-validate']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`Configuration "${SAMPLE_YAML}" is valid.`);
    expect(result.code).toBe(0);
  });

  it('loads with the sample secure.conf and clouds.yaml', async () => {
    const config = await loadConfig(SAMPLE_YAML, {
      securePath: SAMPLE_SECURE,
      env,
      retryMissing: false,
    });
    expect(config.warnings).toEqual([]);
    expect(config.providers.map((p) => p.name)).toEqual(['cloud-east', 'cloud-west']);
    expect(config.labels.map((l) => [l.name, l.minReady])).toEqual([
      ['ubuntu-xenial', 4],
      ['ubuntu-xenial-2node', 1],
    ]);
    expect(config.diskimages.map((d) => [d.name, d.imageTypes])).toEqual([
      ['ubuntu-xenial', ['qcow2']],
    ]);
    expect(config.zookeeperServers).toHaveLength(3);
  });
});

describe('etc/secure.conf.sample', () => {
  it('gives the database URL and the Jenkins credentials of the sample target', async () => {
    const config = await loadConfig(SAMPLE_YAML, {
      securePath: SAMPLE_SECURE,
      env,
      retryMissing: false,
    });
    expect(config.dburi).toBe('mysql+pymysql://nodepool:CHANGE-ME@db.example.org/nodepool');
    const jenkins = config.targets.find((t) => t.name === 'jenkins01')?.jenkins;
    expect(jenkins).toMatchObject({
      url: 'https://jenkins01.example.org/',
      user: 'nodepool',
      apikey: 'CHANGE-ME',
      testJob: 'node-test',
    });
  });
});

describe('etc/clouds.yaml.sample', () => {
  it('resolves both sample clouds through the loader', async () => {
    const config = await loadConfig(SAMPLE_YAML, {
      securePath: SAMPLE_SECURE,
      env,
      retryMissing: false,
    });
    const [east, west] = config.providers;
    expect(east?.cloud).toMatchObject({
      cloudName: 'example-east',
      regionName: 'RegionOne',
      imageFormat: 'qcow2',
    });
    expect(east?.cloud.auth).toMatchObject({
      auth_url: 'https://keystone.east.example.org:5000/v3',
      password: 'CHANGE-ME',
    });
    expect(west?.cloud).toMatchObject({ cloudName: 'example-west', regionName: 'west-1' });
  });
});

describe('etc samples', () => {
  it('hold placeholders, never secrets', () => {
    const secretLine = /^\s*(password|apikey|api_key|secret|token)\s*[:=]\s*(.*)$/i;
    for (const path of [SAMPLE_YAML, SAMPLE_SECURE, SAMPLE_CLOUDS, SAMPLE_LOGGING]) {
      for (const line of read(path).split('\n')) {
        const m = secretLine.exec(line);
        if (m !== null) expect(`${basename(path)}: ${m[2]}`).toBe(`${basename(path)}: CHANGE-ME`);
      }
    }
    // Database URLs carry the placeholder password too.
    expect(read(SAMPLE_SECURE)).toMatch(/^dburi=mysql\+pymysql:\/\/nodepool:CHANGE-ME@/m);
  });
});

describe('etc/logging.conf.sample', () => {
  it('is read by the logging config reader with its loggers and file handlers', () => {
    const config = readLogConfig(SAMPLE_LOGGING);
    expect([...config.loggers.keys()].sort()).toEqual([
      '',
      'kazoo',
      'nodepool',
      'nodepool.builder',
      'requests',
    ]);
    expect(config.loggers.get('kazoo')?.propagate).toBe(false);
    expect(config.handlers.get('debug')?.target).toEqual({
      kind: 'file',
      path: '/var/log/nodepool/debug.log',
      append: true,
      watched: true,
    });
    expect(config.handlers.get('console')?.target).toEqual({ kind: 'stream', fd: 2 });
    // Text lines as the Python nodepool wrote them.
    expect(config.handlers.get('normal')?.format).toEqual({
      kind: 'text',
      format: '%(asctime)s %(levelname)s %(name)s: %(message)s',
    });
  });
});

describe('etc/quickstart', () => {
  it('holds a nodepool.yaml that passes config-validate once its placeholders are filled in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodepool-quickstart-'));
    const path = join(dir, 'nodepool.yaml');
    const text = read(join(ETC, 'quickstart/nodepool.yaml'));
    writeFileSync(
      path,
      substitute(text, { images_dir: join(dir, 'images'), zookeeper_port: '2181' }),
    );
    expect(await validateConfig(path)).toEqual([]);
    expect(
      substitute(read(join(ETC, 'quickstart/secure.conf')), { work_dir: '/srv/qs' }),
    ).toContain('dburi=sqlite:////srv/qs/nodepool.db');
  });
});

const UNITS = [
  { file: 'nodepoold.service', bin: 'nodepoold', runtimeDir: 'nodepool', main: nodepooldMain },
  {
    file: 'nodepool-builder.service',
    bin: 'nodepool-builder',
    runtimeDir: 'nodepool-builder',
    main: builderMain,
  },
] as const;

/** The `--help` text of a daemon, from its `main()` run in this process. */
async function daemonHelp(main: (argv: readonly string[]) => Promise<number>): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await main(['--help'])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe.each(UNITS)('etc/systemd/$file', ({ file, bin, runtimeDir, main }) => {
  const unit: UnitFile = parseUnitFile(read(join(ETC, 'systemd', file)));
  const service = (key: string): string | undefined => unitValue(unit, 'Service', key);
  const bins = (JSON.parse(read(join(ROOT, 'package.json'))) as { bin: Record<string, string> })
    .bin;

  it('runs the daemon in the foreground as a dedicated user with a runtime directory', () => {
    expect(unitValue(unit, 'Unit', 'Description')).toBeTruthy();
    expect(service('Type')).toBe('simple');
    expect(service('User')).toBe('nodepool');
    expect(service('Group')).toBe('nodepool');
    expect(service('RuntimeDirectory')?.split(/\s+/)).toContain(runtimeDir);
    expect(service('Restart')).toBe('on-failure');
    expect(unitValue(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('starts a binary of package.json with flags the daemon accepts', async () => {
    const argv = splitCommandLine(service('ExecStart') ?? '');
    expect(argv[0]).toBe(`/usr/bin/${bin}`);
    expect(Object.keys(bins)).toContain(basename(argv[0]!));
    expect(argv).toContain('-d');
    expect(argv.slice(argv.indexOf('-c'), argv.indexOf('-c') + 2)).toEqual([
      '-c',
      '/etc/nodepool/nodepool.yaml',
    ]);
    // -l only through the drop-in its comments show: a missing logging.conf would be exit 2.
    expect(argv).not.toContain('-l');
    expect(read(join(ETC, 'systemd', file))).toMatch(
      new RegExp(`^#   ExecStart=\\/usr\\/bin\\/${bin} .*-l /etc/nodepool/logging\\.conf`, 'm'),
    );
    const pidfile = argv[argv.indexOf('-p') + 1];
    expect(pidfile).toMatch(new RegExp(`^/run/${runtimeDir}/`));
    const help = await daemonHelp(main);
    for (const flag of argv.slice(1).filter((a) => a.startsWith('-'))) expect(help).toContain(flag);
  });

  it('does not restart after a configuration error (exit status 2)', () => {
    expect(service('RestartPreventExitStatus')).toBe('2');
  });

  it('waits longer for a stop than the daemon takes before forcing its exit', () => {
    const timeoutMs = parseTimeSpanMs(service('TimeoutStopSec') ?? '');
    expect(timeoutMs).toBeGreaterThan(SIGTERM_FORCE_MS);
    // The daemon is signalled alone; what is left in the cgroup afterwards gets SIGKILL.
    expect(service('KillMode')).toBe('mixed');
    expect(['SIGINT', 'SIGTERM']).toContain(service('KillSignal'));
  });
});

describe('etc/systemd (builder stop)', () => {
  it('stops the builder with SIGINT, which has no force time of its own', () => {
    const unit = parseUnitFile(read(join(ETC, 'systemd/nodepool-builder.service')));
    expect(unitValue(unit, 'Service', 'KillSignal')).toBe('SIGINT');
    // Hardened; the drop-in for dib through sudo lifts what sudo needs.
    expect(unitValue(unit, 'Service', 'NoNewPrivileges')).toBe('yes');
    const dropIn = parseUnitFile(
      read(join(ETC, 'systemd/nodepool-builder.service.d/dib-sudo.conf.sample')),
    );
    expect(unitValue(dropIn, 'Service', 'NoNewPrivileges')).toBe('no');
  });

  it('answers to `systemctl start nodepool` as the Python nodepool did (seed 004)', () => {
    const unit = parseUnitFile(read(join(ETC, 'systemd/nodepoold.service')));
    expect(unitValue(unit, 'Install', 'Alias')).toBe('nodepool.service');
  });
});

describe('secure.conf mode', () => {
  it('is the same in the sample and in the installation guide', () => {
    const sample = /chmod (0\d{3}) \/etc\/nodepool\/secure\.conf/.exec(read(SAMPLE_SECURE))?.[1];
    const guide =
      /^\| `secure\.conf\.sample` \| `\/etc\/nodepool\/secure\.conf` \| (0\d{3})\b/m.exec(
        read(join(ROOT, 'docs/installation.md')),
      )?.[1];
    expect(sample).toBe('0640');
    expect(guide).toBe(sample);
    expect(read(SAMPLE_SECURE)).toContain('chown root:nodepool /etc/nodepool/secure.conf');
  });
});

function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 127;
      resolve({ code, stdout, stderr });
    });
  });
}

const analyze = await run('systemd-analyze', ['--version']);
const analyzeSkip = analyze.code === 0 ? null : 'systemd-analyze is not installed';
if (analyzeSkip !== null)
  process.stderr.write(
    `\n*** SKIPPED: systemd-analyze verify of etc/systemd: ${analyzeSkip} ***\n\n`,
  );

describe.skipIf(analyzeSkip !== null)('systemd-analyze security', () => {
  it.each(UNITS)('rates $file at an exposure of 4.0 or less', async ({ file }) => {
    const result = await run('systemd-analyze', [
      'security',
      '--offline=yes',
      '--no-pager',
      join(ETC, 'systemd', file),
    ]);
    const level = /Overall exposure level for [\w.-]+: (\d+\.\d)/.exec(
      result.stdout + result.stderr,
    )?.[1];
    expect(level).toBeDefined();
    expect(Number(level)).toBeLessThanOrEqual(4.0);
  });
});

describe.skipIf(analyzeSkip !== null)('systemd-analyze verify', () => {
  it('finds nothing wrong with either unit', async () => {
    // verify insists that ExecStart's binary exists: point it at this checkout's bin/.
    const dir = mkdtempSync(join(tmpdir(), 'nodepool-units-'));
    const paths = UNITS.map(({ file }) => {
      const path = join(dir, file);
      copyFileSync(join(ETC, 'systemd', file), path);
      writeFileSync(path, read(path).replace(/\/usr\/bin\//g, `${join(ROOT, 'bin')}/`));
      return path;
    });
    const result = await run('systemd-analyze', ['verify', ...paths]);
    // Complaints about other units installed on this host are not ours.
    const ours = `${result.stdout}\n${result.stderr}`
      .split('\n')
      .filter((l) => UNITS.some(({ file }) => l.includes(file)));
    expect(ours).toEqual([]);
    expect(result.code).toBe(0);
  });
});
