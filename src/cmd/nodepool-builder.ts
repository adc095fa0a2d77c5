/** `nodepool-builder`: the image builder daemon (docs/behaviour.md#builder-processes). */
import { checkBuilderConfig, createBuilderService } from '../builder/index.js';
import { getLogger } from '../log/index.js';
import { HealthApp } from '../web/index.js';
import { runDaemonCommand, SIGTERM_FORCE_MS } from './daemon.js';
import {
  commonDaemonSettings,
  daemonProgram,
  parseCount,
  parseDaemonArgs,
  parseListenOption,
  resolveFrom,
} from './daemon-cli.js';
import { takeDaemonChildMarker } from './detach.js';
import { createProgramDrivers } from './drivers.js';
import { loadFirstConfig, waitForServers, zookeeperCheck } from './startup-checks.js';

interface BuilderCliOptions {
  config: string;
  secure?: string;
  logconfig?: string;
  pidfile: string;
  nodaemon?: boolean;
  buildWorkers: number;
  uploadWorkers: number;
  failFast?: boolean;
  webAddress?: { host: string; port: number };
}

/** Runs nodepool-builder with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const childCwd = takeDaemonChildMarker();
  const program = daemonProgram('nodepool-builder', 'NodePool Image Builder.', [
    '--secure',
    '--version',
    '--fail-fast',
    '--web-address',
  ])
    .option('-c, --config <path>', 'path to config file', '/etc/nodepool/nodepool.yaml')
    .option(
      '-s, --secure <path>',
      'path to secure file (accepted for compatibility; the builder does not read it)',
    )
    .option('-l, --logconfig <path>', 'path to log config file')
    .option(
      '-p, --pidfile <path>',
      'path to pid file',
      '/var/run/nodepool-builder/nodepool-builder.pid',
    )
    .option('-d, --nodaemon', 'do not run as a daemon')
    .option('--build-workers <n>', 'number of build workers', parseCount, 1)
    .option('--upload-workers <n>', 'number of upload workers', parseCount, 4)
    .option('--fail-fast', 'exit at once when ZooKeeper cannot be reached at start')
    .option(
      '--web-address <host:port>',
      'serve /health/live and /health/ready there (off by default)',
      parseListenOption,
    );
  const early = parseDaemonArgs(program, argv);
  if (early !== null) return early;
  const opts = program.opts<BuilderCliOptions>();
  const base = childCwd ?? process.cwd();
  return runDaemonCommand({
    name: 'nodepool-builder',
    loggerName: 'nodepool.cmd.builder',
    ...commonDaemonSettings(program, opts, { argv, base, isDaemonChild: childCwd !== undefined }),
    // Compat: upstream's builder dies of SIGUSR1 (default action). Node would open its
    // inspector instead, so we stop as for SIGTERM: gracefully, forced after a while.
    extraStopSignals: ['SIGUSR1'],
    forceTimeMs: (signal) => (signal === 'SIGINT' ? undefined : SIGTERM_FORCE_MS),
    preflight: async ({ log, signal, notice }) => {
      const config = await loadFirstConfig(resolveFrom(base, opts.config));
      checkBuilderConfig(config);
      const checks = [zookeeperCheck(config.zookeeperServers)];
      await waitForServers(checks, { log, signal, notice, failFast: opts.failFast === true });
    },
    createServices: (root, log) => {
      // Listed first: services stop in reverse order, so the fake cloud outlives the builder.
      const drivers = createProgramDrivers(log);
      const builder = createBuilderService({
        configPath: resolveFrom(base, opts.config),
        log: getLogger(root, 'nodepool.builder.NodePoolBuilder'),
        buildWorkers: opts.buildWorkers,
        uploadWorkers: opts.uploadWorkers,
        drivers: drivers.registry,
      });
      // The health endpoints start after the builder and stop before it.
      const web =
        opts.webAddress === undefined
          ? []
          : [
              new HealthApp({
                health: builder.healthSource(),
                host: opts.webAddress.host,
                port: opts.webAddress.port,
                log: getLogger(root, 'nodepool.builder.HealthApp'),
              }),
            ];
      return [drivers.owner, builder, ...web];
    },
  });
}
