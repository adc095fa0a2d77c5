/**
 * Launcher tests with the Jenkins/Zuul integration: the launcher harness (fake cloud, ZK
 * chroot, SQLite, image uploads in ZK) plus a nodepool.yaml/secure.conf built per scenario
 * (ZeroMQ publishers, Gearman servers, a Jenkins URL or the in-memory fake), and the
 * integration wired in as nodepoold does.
 */
import { writeFile } from 'node:fs/promises';
import { stateName } from '../../../src/db/index.js';
import type { NodeRecord } from '../../../src/db/index.js';
import { JenkinsZuulIntegration, connectFakeJenkins } from '../../../src/jenkins-zuul/index.js';
import type { JenkinsZuulOptions } from '../../../src/jenkins-zuul/index.js';
import type { LauncherService, LauncherTiming } from '../../../src/launcher/index.js';
import { captureLog } from '../../support/log-capture.js';
import type { CapturedLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { LauncherHarness } from '../launcher/harness.js';
import type { ZooKeeperAddress } from '../../support/zookeeper.js';

/** What a scenario's config contains. */
export interface Scenario {
  publishers?: string[];
  gearman?: Array<{ host: string; port: number }>;
  /** @default 1 */
  minReady?: number;
  /** @default 20 */
  maxServers?: number;
  testJob?: string;
  assignViaGearman?: boolean;
  /**
   * The `[jenkins "fake-target"]` section; `'fake'` = upstream's in-memory Jenkins (apikey
   * fake), null = none. @default 'fake'
   */
  jenkins?: { url: string; user?: string; apikey?: string; credentials?: string } | 'fake' | null;
}

/** nodepool.yaml for a scenario. Crons are yearly: tests run cleanup themselves. */
export function scenarioYaml(h: LauncherHarness, s: Scenario): string {
  const zk = h.chroot.servers[0]!;
  const lines = ['cron:', "  cleanup: '0 0 1 1 *'", "  check: '0 0 1 1 *'"];
  if (s.publishers !== undefined && s.publishers.length > 0) {
    lines.push('zmq-publishers:', ...s.publishers.map((p) => `  - ${p}`));
  }
  if (s.gearman !== undefined && s.gearman.length > 0) {
    lines.push(
      'gearman-servers:',
      ...s.gearman.flatMap((g) => [`  - host: ${g.host}`, `    port: ${g.port}`]),
    );
  }
  lines.push(
    'zookeeper-servers:',
    `  - host: ${zk.host}`,
    `    port: ${zk.port}`,
    `    chroot: ${zk.chroot}`,
    'labels:',
    '  - name: fake-label',
    '    image: fake-image',
    `    min-ready: ${s.minReady ?? 1}`,
    '    providers:',
    '      - name: fake-provider',
    'providers:',
    '  - name: fake-provider',
    '    region-name: fake-region',
    "    username: 'fake'",
    "    password: 'fake'",
    "    auth-url: 'fake'",
    "    project-id: 'fake'",
    `    max-servers: ${s.maxServers ?? 20}`,
    '    rate: 0.0001',
    '    images:',
    '      - name: fake-image',
    '        min-ram: 8192',
    "        name-filter: 'Fake'",
    'targets:',
    '  - name: fake-target',
  );
  if (s.assignViaGearman === true) lines.push('    assign-via-gearman: true');
  if (s.testJob !== undefined) lines.push('    jenkins:', `      test-job: ${s.testJob}`);
  return `${lines.join('\n')}\n`;
}

/** secure.conf for a scenario. */
export function scenarioSecure(h: LauncherHarness, s: Scenario): string {
  const lines = ['[database]', `dburi=${h.sql.dburi}`];
  const j = s.jenkins === undefined ? 'fake' : s.jenkins;
  if (j === 'fake') {
    lines.push('', '[jenkins "fake-target"]', 'user=fake', 'apikey=fake', 'url=http://fake-url');
  } else if (j !== null) {
    lines.push('', '[jenkins "fake-target"]', `url=${j.url}`);
    if (j.user !== undefined) lines.push(`user=${j.user}`);
    if (j.apikey !== undefined) lines.push(`apikey=${j.apikey}`);
    if (j.credentials !== undefined) lines.push(`credentials=${j.credentials}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A running launcher with the integration. */
export interface Running {
  h: LauncherHarness;
  launcher: LauncherService;
  integration: JenkinsZuulIntegration;
  logs: CapturedLog;
}

/** Creates a harness, writes the scenario, records an upload and starts the launcher. */
export async function startScenario(
  zookeeper: ZooKeeperAddress,
  s: Scenario,
  options: {
    timing?: Partial<LauncherTiming>;
    integration?: Partial<JenkinsZuulOptions>;
    statsd?: boolean;
    onHarness?: (h: LauncherHarness) => void;
  } = {},
): Promise<Running> {
  const h = await LauncherHarness.create({
    backend: { name: 'sqlite', available: true },
    zookeeper,
    statsd: options.statsd === true,
  });
  options.onHarness?.(h);
  await h.writeConfig(scenarioYaml(h, s));
  await writeFile(h.securePath, scenarioSecure(h, s));
  await h.addUpload('fake-image', ['fake-provider']);
  const integration = new JenkinsZuulIntegration({
    noDeletes: false,
    zmqReconnectIntervalMs: 50,
    gearman: { pollIntervalMs: 200, reconnectInitialMs: 50 },
    jenkins: { timeoutMs: 2000, onlineTimeoutMs: 2000, connect: connectFakeJenkins },
    ...options.integration,
  });
  const logs = captureLog(process.env['LAUNCHER_TEST_LOG'] ?? 'debug');
  const launcher = await h.start({
    log: logs.log.child({ name: 'nodepool.NodePool' }),
    timing: {
      intervalMs: 1000,
      deleteTimeoutMs: 30_000,
      subnodePollMs: 100,
      stopGraceMs: 5000,
      jobDeleteDelayMs: 0,
      ...options.timing,
    },
    ...integration.launcherOptions(),
  });
  return { h, launcher, integration, logs };
}

/** Waits until the node with `id` is in `state`. */
export async function waitState(
  h: LauncherHarness,
  id: number,
  state: string,
  timeoutMs = 20_000,
): Promise<NodeRecord> {
  return waitFor(
    async () => {
      const n = await h.db.nodes.get(id);
      return n !== undefined && stateName(n.state) === state ? n : null;
    },
    { timeoutMs, what: `node ${id} to be ${state}`, intervalMs: 50 },
  );
}

/**
 * Waits until `node` is deleted. SQLite reuses the highest id after a delete, so a
 * replacement may have the same id: the server id tells them apart.
 */
export async function waitGone(
  h: LauncherHarness,
  node: NodeRecord,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(
    async () => {
      const n = await h.db.nodes.get(node.id);
      return (
        n === undefined || (n.externalId !== node.externalId && stateName(n.state) !== 'delete')
      );
    },
    {
      timeoutMs,
      what: `node ${node.id} (server ${node.externalId}) to be deleted`,
      intervalMs: 50,
    },
  );
}

/** Waits for a log line whose message or fields (e.g. `err.message`) contain `text`. */
export async function waitLogged(
  logs: CapturedLog,
  text: string,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(() => logs.lines.some((l) => JSON.stringify(l).includes(text)), {
    timeoutMs,
    what: `log line "${text}"`,
  });
}
