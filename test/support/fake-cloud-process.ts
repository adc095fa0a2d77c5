/**
 * The fake cloud as a separate process (`nodepool-fake-cloud`, run from the TypeScript
 * sources through tsx), so it survives a `kill -9` of the daemons under test and does not
 * share their event loop. Driven over its `/_fake/` control API.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  FakeCloudKnobsPatch,
  FakeCloudSnapshot,
  FakeServerCall,
  NodeSshActivity,
} from '../../src/fakecloud/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Options of {@link FakeCloudProcess.start}. */
export interface FakeCloudProcessOptions {
  /** Extra `nodepool-fake-cloud` arguments, e.g. `['--build-delay', '2']`. */
  args?: readonly string[];
  /** Knobs applied right after start (PATCH /_fake/knobs). */
  knobs?: FakeCloudKnobsPatch;
  /** Port to listen on (0: a free one). Reuse the old port to restart in place. @default 0 */
  port?: number;
}

/** A running `nodepool-fake-cloud` child process. */
export class FakeCloudProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
    private readonly exited: Promise<void>,
    private readonly output: () => string,
  ) {}

  /** Spawns the fake cloud and resolves once it has printed its auth URL. */
  static async start(options: FakeCloudProcessOptions = {}): Promise<FakeCloudProcess> {
    const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    // For a benchmark's profile of the cloud side (`BENCH_CPU_PROF`, as the daemons use).
    const prof = process.env['BENCH_CPU_PROF'];
    const child = spawn(
      process.execPath,
      [
        ...(prof === undefined || prof === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', prof]),
        '--import',
        loader,
        path.join(ROOT, 'src/cmd/nodepool-fake-cloud-main.ts'),
        '--port',
        String(options.port ?? 0),
        ...(options.args ?? []),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
    );
    let out = '';
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    const origin = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        out += d.toString();
        const m = /auth URL (http:\/\/[^\s/]+)\/v3/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) =>
        reject(
          new Error(`nodepool-fake-cloud exited with ${code} before listening: ${out.trim()}`),
        ),
      );
      child.once('error', reject);
    });
    const cloud = new FakeCloudProcess(child, origin, exited, () => out);
    if (options.knobs !== undefined) await cloud.setKnobs(options.knobs);
    return cloud;
  }

  /** Keystone v3 auth URL. */
  get authUrl(): string {
    return `${this.origin}/v3`;
  }

  /** The port listened on. */
  get port(): number {
    return Number(new URL(this.origin).port);
  }

  /** Pid of the child process. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the process printed so far. */
  log(): string {
    return this.output();
  }

  private async control<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.origin}/_fake${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`Cannot ${method} /_fake${route} of the fake cloud: ${res.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Everything the cloud holds (`GET /_fake/state`). */
  state(): Promise<FakeCloudSnapshot> {
    return this.control('GET', '/state');
  }

  /** API call counts by `service METHOD path`. */
  async calls(): Promise<Record<string, number>> {
    return (await this.control<{ calls: Record<string, number> }>('GET', '/calls')).calls;
  }

  /** The latest server creates and deletes with their arrival times, oldest first. */
  async serverCalls(): Promise<FakeServerCall[]> {
    return (await this.control<{ serverCalls: FakeServerCall[] }>('GET', '/server-calls'))
      .serverCalls;
  }

  /** What each server's SSH saw (`--ssh-port`), by server id. */
  async sshActivity(): Promise<Record<string, NodeSshActivity>> {
    return (await this.control<{ servers: Record<string, NodeSshActivity> }>('GET', '/ssh'))
      .servers;
  }

  /** Changes knobs while running. */
  async setKnobs(patch: FakeCloudKnobsPatch): Promise<void> {
    await this.control('PATCH', '/knobs', patch);
  }

  /** A clouds.yaml naming this cloud `name` (any credentials are accepted). */
  cloudsYaml(name: string, options: { authUrl?: string; apiTimeoutS?: number } = {}): string {
    return [
      'clouds:',
      `  ${name}:`,
      '    auth:',
      `      auth_url: ${options.authUrl ?? this.authUrl}`,
      '      username: demo',
      '      password: secret',
      '      project_name: demo',
      '      user_domain_name: Default',
      '      project_domain_name: Default',
      '    region_name: RegionOne',
      '    identity_api_version: 3',
      '    interface: public',
      ...(options.apiTimeoutS !== undefined ? [`    api_timeout: ${options.apiTimeoutS}`] : []),
      '',
    ].join('\n');
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
