/**
 * A `LauncherContext` over in-memory ports: the database, one {@link MemoryProvider} per
 * configured provider, ready uploads, recorded metrics, and counters of the wake and gauge
 * signals. No socket, no child process, no timer of its own. Providers use `auth-url: fake`,
 * so the launch's SSH steps take the in-process fake session.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../src/config/index.js';
import type { CompiledConfig } from '../../../src/config/index.js';
import type { LauncherContext } from '../../../src/launcher/index.js';
import { DEFAULT_TIMING } from '../../../src/launcher/index.js';
import type { GearmanHooks, JenkinsHooks, LauncherTiming } from '../../../src/launcher/index.js';
import { ActivityCounters } from '../../../src/status/index.js';
import { MemoryDatabase } from './memory-db.js';
import { MemoryProvider } from './memory-provider.js';
import { MemoryUploads } from './memory-uploads.js';
import { recordingStats } from './recording-stats.js';
import type { RecordingStats } from './recording-stats.js';
import { FAKE_SSH_SEAM } from '../ssh-seams.js';

/** Compiles a nodepool.yaml text as the daemon would (no secure.conf, no clouds.yaml). */
export async function compileYaml(text: string): Promise<CompiledConfig> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'np-unit-config-'));
  try {
    const file = path.join(dir, 'nodepool.yaml');
    await writeFile(file, text);
    return await loadConfig(file, { env: {}, cwd: dir, retryMissing: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A label of {@link launcherYaml}. */
export interface YamlLabel {
  name: string;
  minReady: number;
  providers: string[];
  subnodes?: number;
  readyScript?: string;
  /** @default `<name>-image` */
  image?: string;
}

/** A provider of {@link launcherYaml}. */
export interface YamlProvider {
  name: string;
  maxServers: number;
  /** Images it has; @default every label's image */
  images?: string[];
  cleanFloatingIps?: boolean;
  /** `launch-attempts` (beyond 0.4.0). */
  launchAttempts?: number;
}

/** A target of {@link launcherYaml}: a name, or a name with its Jenkins test job or Gearman flag. */
export type YamlTarget = string | { name: string; testJob?: string; assignViaGearman?: boolean };

/** A small nodepool.yaml: labels, `auth-url: fake` providers, one target unless given. */
export function launcherYaml(o: {
  labels: YamlLabel[];
  providers: YamlProvider[];
  targets?: YamlTarget[];
}): string {
  const images = [...new Set(o.labels.map((l) => l.image ?? `${l.name}-image`))];
  const lines = ['labels:'];
  for (const l of o.labels) {
    lines.push(
      `  - name: ${l.name}`,
      `    image: ${l.image ?? `${l.name}-image`}`,
      `    min-ready: ${l.minReady}`,
    );
    if (l.subnodes !== undefined) lines.push(`    subnodes: ${l.subnodes}`);
    if (l.readyScript !== undefined) lines.push(`    ready-script: ${l.readyScript}`);
    lines.push('    providers:', ...l.providers.map((p) => `      - name: ${p}`));
  }
  lines.push('providers:');
  for (const p of o.providers) {
    lines.push(
      `  - name: ${p.name}`,
      '    auth-url: fake',
      '    username: fake',
      '    password: fake',
      '    project-id: fake',
      `    max-servers: ${p.maxServers}`,
      '    rate: 0.0001',
    );
    if (p.cleanFloatingIps !== undefined)
      lines.push(`    clean-floating-ips: ${p.cleanFloatingIps}`);
    if (p.launchAttempts !== undefined) lines.push(`    launch-attempts: ${p.launchAttempts}`);
    lines.push(
      '    images:',
      ...(p.images ?? images).flatMap((i) => [`      - name: ${i}`, '        min-ram: 1024']),
    );
  }
  lines.push('targets:');
  for (const t of o.targets ?? ['fake-target']) {
    const target = typeof t === 'string' ? { name: t } : t;
    lines.push(`  - name: ${target.name}`);
    if (target.assignViaGearman !== undefined)
      lines.push(`    assign-via-gearman: ${target.assignViaGearman}`);
    if (target.testJob !== undefined)
      lines.push('    jenkins:', `      test-job: ${target.testJob}`);
  }
  return lines.join('\n') + '\n';
}

/** Options of {@link memoryLauncher}. */
export interface MemoryLauncherOptions {
  timing?: Partial<LauncherTiming>;
  jenkins?: JenkinsHooks;
  gearman?: GearmanHooks;
  /** Give every label's image a ready upload in every provider of the label. @default true */
  uploads?: boolean;
  /** The context's wall clock (a ManualClock). @default the system's */
  clock?: { now(): number };
}

/** The in-memory launcher world a unit test drives. */
export interface MemoryLauncher {
  readonly ctx: LauncherContext;
  readonly db: MemoryDatabase;
  readonly uploads: MemoryUploads;
  readonly stats: RecordingStats;
  /** Aborts `ctx.signal` (the launcher giving up at the end of its stop grace). */
  readonly abort: AbortController;
  /** How often the context was asked to wake the pass and to resend the gauges. */
  readonly signals: { wakes: number; gaugesChanged: number };
  /** The provider called `name` (started). @throws Error when it is not configured */
  provider(name: string): MemoryProvider;
  /** Replaces the config in force (a reconfigure). */
  setConfig(config: CompiledConfig): void;
  /** Stops every provider. */
  close(): Promise<void>;
}

/** Builds the in-memory launcher world for a nodepool.yaml text. */
export async function memoryLauncher(
  yaml: string,
  options: MemoryLauncherOptions = {},
): Promise<MemoryLauncher> {
  let config = await compileYaml(yaml);
  const db = new MemoryDatabase();
  const uploads = new MemoryUploads();
  const stats = recordingStats();
  const abort = new AbortController();
  const signals = { wakes: 0, gaugesChanged: 0 };
  const providers = new Map<string, MemoryProvider>();
  for (const pc of config.providers) {
    const p = new MemoryProvider(pc);
    await p.start();
    providers.set(pc.name, p);
  }
  if (options.uploads !== false) {
    for (const label of config.labels) {
      for (const lp of label.providers)
        uploads.set(label.image, lp.name, `image-${label.image}-${lp.name}`);
    }
  }
  const ctx: LauncherContext = {
    log: pino({ level: process.env['UNIT_TEST_LOG'] ?? 'silent' }).child({
      name: 'nodepool.NodePool',
    }),
    stats,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    ssh: FAKE_SSH_SEAM,
    jenkins: options.jenkins ?? {},
    gearman: options.gearman ?? {},
    signal: abort.signal,
    config: () => config,
    db: () => db,
    provider: (name) => providers.get(name),
    images: () => uploads,
    wake: () => {
      signals.wakes += 1;
    },
    gaugesChanged: () => {
      signals.gaugesChanged += 1;
    },
    activity: new ActivityCounters(),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  return {
    ctx,
    db,
    uploads,
    stats,
    abort,
    signals,
    provider(name) {
      const p = providers.get(name);
      if (p === undefined) throw new Error(`No provider "${name}" in the test config`);
      return p;
    },
    setConfig(next) {
      config = next;
    },
    async close() {
      for (const p of providers.values()) await p.stop();
    },
  };
}
