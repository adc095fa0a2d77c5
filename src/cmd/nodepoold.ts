/** `nodepoold`: the launcher daemon (docs/behaviour.md#the-daemon). */
import { InvalidArgumentError } from 'commander';
import { JenkinsZuulIntegration, connectFakeJenkins } from '../jenkins-zuul/index.js';
import { createLauncherService } from '../launcher/index.js';
import { getLogger } from '../log/index.js';
import { SnapshotImages } from '../snapshot/index.js';
import {
  DEFAULT_WEB_HOST,
  DEFAULT_WEB_PORT,
  createWebApp,
  parseListenAddress,
} from '../web/index.js';
import { runDaemonCommand } from './daemon.js';
import {
  commonDaemonSettings,
  daemonProgram,
  parseCount,
  parseDaemonArgs,
  resolveFrom,
} from './daemon-cli.js';
import { takeDaemonChildMarker } from './detach.js';
import type { SshSeam } from '../launcher/index.js';
import { createProgramDrivers } from './drivers.js';
import { SHIPPED_SSH_SEAM } from './ssh-seam.js';
import {
  databaseCheck,
  loadFirstConfig,
  waitForServers,
  zookeeperCheck,
} from './startup-checks.js';

interface NodepooldOptions {
  config: string;
  secure: string;
  nodaemon?: boolean;
  logconfig?: string;
  pidfile: string;
  builder: boolean;
  buildWorkers: number;
  uploadWorkers: number;
  deletes: boolean;
  launches: boolean;
  webapp: boolean;
  webAddress: { host: string; port: number };
  failFast?: boolean;
  launcherName?: string;
}

/** commander parser of `--web-address`: a bad value is a usage error. */
function parseWebAddress(value: string): { host: string; port: number } {
  try {
    return parseListenAddress(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** commander parser of `--launcher-name`: a non-empty name without `/` (a ZooKeeper path part). */
function parseLauncherName(value: string): string {
  if (value.trim() === '' || value.includes('/'))
    throw new InvalidArgumentError('must be a non-empty name without "/"');
  return value;
}

/** What a harness (tests, the quickstart) may compose differently from the shipped daemon. */
export interface NodepooldComposition {
  /** How nodes are reached over SSH. @default real SSH (see ssh-seam.ts) */
  ssh?: SshSeam;
  /** Main loop interval (the health tests shorten it). @default 10 s */
  intervalMs?: number;
}

/** Runs nodepoold with `argv` (without node and script); resolves to the exit status. */
export async function main(
  argv: readonly string[],
  composition: NodepooldComposition = {},
): Promise<number> {
  const childCwd = takeDaemonChildMarker();
  const program = daemonProgram('nodepoold', 'Node pool.', [
    '--version',
    '--fail-fast',
    '--web-address',
  ])
    .option('-c, --config <path>', 'path to config file', '/etc/nodepool/nodepool.yaml')
    .option('-s, --secure <path>', 'path to secure file', '/etc/nodepool/secure.conf')
    .option('-d, --nodaemon', 'do not run as a daemon')
    .option('-l, --logconfig <path>', 'path to log config file')
    .option('-p, --pidfile <path>', 'path to pid file', '/var/run/nodepool/nodepool.pid')
    .option('--no-builder', 'deprecated: images are built by nodepool-builder')
    .option('--build-workers <n>', 'deprecated and ignored', parseCount, 1)
    .option('--upload-workers <n>', 'deprecated and ignored', parseCount, 4)
    .option('--no-deletes', 'do not delete nodes (no cleanup and check crons, no ZeroMQ listeners)')
    .option('--no-launches', 'do not launch nodes')
    .option('--no-webapp', 'do not start the status web app')
    .option(
      '--launcher-name <name>',
      "this launcher's name among the launchers sharing ZooKeeper (default: host name and pid)",
      parseLauncherName,
    )
    .option('--fail-fast', 'exit at once when the database or ZooKeeper cannot be reached at start')
    .option('--web-address <host:port>', 'where the status web app listens', parseWebAddress, {
      host: DEFAULT_WEB_HOST,
      port: DEFAULT_WEB_PORT,
    });
  const early = parseDaemonArgs(program, argv);
  if (early !== null) return early;
  const opts = program.opts<NodepooldOptions>();
  const base = childCwd ?? process.cwd();
  return runDaemonCommand({
    name: 'nodepoold',
    loggerName: 'nodepool.cmd.nodepoold',
    ...commonDaemonSettings(program, opts, { argv, base, isDaemonChild: childCwd !== undefined }),
    // Compat: SIGUSR1 stops nodepoold like SIGINT (upstream keeps it for old init scripts).
    extraStopSignals: ['SIGUSR1'],
    // The first config must load, and its database and ZooKeeper answer, before detaching.
    preflight: async ({ log, signal, notice }) => {
      const config = await loadFirstConfig(
        resolveFrom(base, opts.config),
        resolveFrom(base, opts.secure),
      );
      const checks = [databaseCheck(config.dburi ?? ''), zookeeperCheck(config.zookeeperServers)];
      await waitForServers(checks, { log, signal, notice, failFast: opts.failFast === true });
    },
    createServices: (root, log) => {
      const ssh = composition.ssh ?? SHIPPED_SSH_SEAM;
      if (ssh !== SHIPPED_SSH_SEAM)
        log.warn('Node SSH goes through a seam the harness composed, not the shipped one');
      if (opts.builder) {
        log.warn(
          'Note: nodepool no longer automatically builds images, please ensure the separate ' +
            "nodepool-builder process is running if you haven't already",
        );
      } else {
        log.warn(
          '--no-builder is deprecated and will be removed in the near future. Update your service scripts to avoid a breakage.',
        );
      }
      // 0.4.0's `apikey: fake` targets get upstream's in-memory Jenkins.
      const jenkinsZuul = new JenkinsZuulIntegration({
        noDeletes: !opts.deletes,
        jenkins: { connect: connectFakeJenkins },
      }).launcherOptions();
      // 0.3-era snapshot images (base-image + setup); idle without them.
      const snapshots = new SnapshotImages({
        noLaunches: !opts.launches,
        noDeletes: !opts.deletes,
      });
      // Listed first: services stop in reverse order, so the fake cloud outlives the launcher.
      const drivers = createProgramDrivers(log);
      const launcher = createLauncherService({
        configPath: resolveFrom(base, opts.config),
        securePath: resolveFrom(base, opts.secure),
        log: getLogger(root, 'nodepool.NodePool'),
        noDeletes: !opts.deletes,
        noLaunches: !opts.launches,
        ssh,
        // Jenkins targets, ZeroMQ build events and Zuul's Gearman demand (docs/behaviour.md#jenkins).
        ...jenkinsZuul,
        integrations: [...jenkinsZuul.integrations, snapshots],
        drivers: drivers.registry,
        ...(opts.launcherName !== undefined ? { launcherName: opts.launcherName } : {}),
        ...(composition.intervalMs !== undefined ? { intervalMs: composition.intervalMs } : {}),
      });
      // The status web app beside the launcher (as upstream's NodePool and WebApp); listed
      // after it, so it starts once the launcher runs and stops first.
      const web = opts.webapp
        ? [
            createWebApp({
              source: launcher.statusSource(),
              health: launcher.healthSource(),
              host: opts.webAddress.host,
              port: opts.webAddress.port,
              log: getLogger(root, 'nodepool.WebApp'),
            }),
          ]
        : [];
      return [drivers.owner, launcher, ...web];
    },
  });
}
