/**
 * `nodepool-fake-cloud`: runs a standalone fake OpenStack cloud (see docs/fake-cloud.md)
 * until SIGINT/SIGTERM, printing its auth URL and a ready clouds.yaml.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { usageError } from '../errors.js';
import { FakeCloud } from '../fakecloud/index.js';
import { createLogger } from '../log/index.js';
import { VERSION } from './version.js';

interface FakeCloudCliOptions {
  port: number;
  host: string;
  buildDelay: number;
  deleteDelay: number;
  latency: number;
  failureRate: number;
  failureMode: string;
  quota?: number;
  region: string[];
  cloudName: string;
  writeCloudsYaml?: string;
  noAutoFloatingIp?: boolean;
  sshPort?: number;
  autoFloatingIp: boolean;
  debug?: boolean;
}

function number(flag: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
      throw new InvalidArgumentError(
        `${flag} must be a number from 0 to ${max}: current value is "${value}"`,
      );
    }
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `argv` (without node and script) into FakeCloud options. @throws NodepoolError (ERR_USAGE) */
export function parseFakeCloudArgs(argv: readonly string[]): {
  cloud: FakeCloud;
  opts: FakeCloudCliOptions;
} {
  const program = new Command('nodepool-fake-cloud')
    .description('Serve a fake OpenStack cloud (Keystone, Nova, Glance, Neutron) on one port')
    .option('--port <n>', 'port to listen on (0 picks a free one)', number('--port', 65535), 0)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--build-delay <s>', 'seconds a server stays in BUILD', number('--build-delay'), 0.1)
    .option(
      '--delete-delay <s>',
      'seconds a deleted server stays listed',
      number('--delete-delay'),
      0,
    )
    .option('--latency <s>', 'seconds added to every API call', number('--latency'), 0)
    .option(
      '--failure-rate <f>',
      'fraction (0..1) of server creates and deletes that fail',
      number('--failure-rate', 1),
      0,
    )
    .option(
      '--failure-mode <mode>',
      'how failures show: "error" (server in ERROR) or "http" (500)',
      'error',
    )
    .option('--quota <n>', 'maximum instances per project', number('--quota'))
    .option('--region <name>', 'region in the catalog (repeatable)', collect, [])
    .option(
      '--ssh-port <n>',
      "serve SSH on this port of every ACTIVE server's addresses (22 needs root)",
      number('--ssh-port', 65535),
    )
    .option(
      '--no-auto-floating-ip',
      'do not give ACTIVE servers a floating IP (clients attach them)',
    )
    .option('--cloud-name <name>', 'cloud name in the printed clouds.yaml', 'fake')
    .option('--write-clouds-yaml <path>', 'also write the clouds.yaml to this file')
    .option('--debug', 'log every request')
    .version(VERSION, '--version', 'print the version and exit')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    });
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<FakeCloudCliOptions>();
  if (opts.failureMode !== 'error' && opts.failureMode !== 'http') {
    throw usageError(
      `Cannot start the fake cloud: --failure-mode must be "error" or "http": current value is "${opts.failureMode}"`,
    );
  }
  const log = createLogger({
    level: opts.debug === true ? 'debug' : 'warn',
    name: 'nodepool-fake-cloud',
  });
  const cloud = new FakeCloud({
    host: opts.host,
    port: opts.port,
    regions: opts.region,
    buildDelayMs: opts.buildDelay * 1000,
    deleteDelayMs: opts.deleteDelay * 1000,
    latencyMs: opts.latency * 1000,
    createFailureRate: opts.failureRate,
    deleteFailureRate: opts.failureRate,
    failureMode: opts.failureMode,
    autoFloatingIp: opts.autoFloatingIp,
    ...(opts.quota === undefined ? {} : { quota: { instances: opts.quota } }),
    ...(opts.sshPort === undefined ? {} : { sshPort: opts.sshPort }),
    log,
  });
  return { cloud, opts };
}

/**
 * Starts the fake cloud, prints where it is, and resolves once `signal` aborts and the cloud
 * has stopped.
 */
export async function runFakeCloud(
  argv: readonly string[],
  options: { signal: AbortSignal },
): Promise<void> {
  const { cloud, opts } = parseFakeCloudArgs(argv);
  await cloud.start();
  const yaml = cloud.cloudsYaml(opts.cloudName);
  if (opts.writeCloudsYaml !== undefined) writeFileSync(opts.writeCloudsYaml, yaml);
  process.stdout.write(
    `nodepool-fake-cloud listening: auth URL ${cloud.authUrl}\n` +
      `control API: ${cloud.origin}/_fake/state (see docs/fake-cloud.md)\n` +
      `# clouds.yaml (any username, password and project are accepted):\n${yaml}`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await cloud.stop();
}
