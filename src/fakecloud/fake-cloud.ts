/**
 * `FakeCloud`: Keystone, Nova, Glance and Neutron over HTTP on one loopback port, for tests,
 * demos and `auth-url: fake` providers. See docs/fake-cloud.md.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { illegalStateError } from '../errors.js';
import { BaseService, TaskGroup } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { createControlService, failNext, snapshot } from './control.js';
import type { FakeCloudSnapshot } from './control.js';
import { dispatch } from './dispatch.js';
import { createGlanceService } from './glance.js';
import { createKeystoneService } from './keystone.js';
import { Lifecycle } from './lifecycle.js';
import { createNeutronService } from './neutron.js';
import { createNovaService } from './nova.js';
import { applyKnobs } from './options.js';
import type { FailureMode, FakeCloudKnobsPatch, FakeCloudOptions } from './options.js';
import type { FakeService } from './service.js';
import { FakeNodeSsh } from './node-ssh.js';
import type { NodeSshActivity } from './node-ssh.js';
import { FakeCloudStore } from './store.js';
import type { FakeRequestRecord, FaultOp } from './store.js';

/** Options of {@link FakeCloud} beyond the cloud's own. */
export interface FakeCloudServiceOptions extends FakeCloudOptions {
  /** Receives state changes (info) and per-request lines (debug). */
  log?: Logger;
  /**
   * Serve SSH on this port of every ACTIVE server's addresses (see {@link FakeNodeSsh});
   * 22 needs root. @default no SSH (clients fake it, as upstream's fake cloud)
   */
  sshPort?: number;
}

/** A fake OpenStack cloud served over HTTP; a {@link Service}. */
export class FakeCloud extends BaseService {
  /** The cloud's state; tests may read it directly. */
  readonly store: FakeCloudStore;
  private readonly lifecycle: Lifecycle;
  private readonly services: FakeService[];
  private readonly tasks: TaskGroup;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly log: Logger | undefined;
  private server: Server | null = null;
  private readonly nodeSsh: FakeNodeSsh | null;

  constructor(options: FakeCloudServiceOptions = {}) {
    super();
    const { log, sshPort, ...cloud } = options;
    this.log = log;
    this.nodeSsh = sshPort === undefined ? null : new FakeNodeSsh(sshPort, log);
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
    this.store = new FakeCloudStore(cloud);
    const nodeSsh = this.nodeSsh;
    if (nodeSsh !== null)
      this.store.onServersChanged = () => nodeSsh.reconcile(this.store.activeAddresses());
    this.lifecycle = new Lifecycle(this.store);
    this.services = [
      createKeystoneService(),
      createNovaService(),
      createGlanceService(),
      createNeutronService(),
      createControlService(
        () => this.reset(),
        () => this.sshActivity(),
      ),
    ];
    this.tasks = new TaskGroup((err) => this.log?.error({ err }, 'Fake cloud request failed'));
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.log?.info({ from, to }, 'Fake cloud %s', to);
  }

  /** The port listened on. @throws NodepoolError (ERR_ILLEGAL_STATE) before start. */
  get port(): number {
    const addr = this.server?.address();
    if (addr === null || addr === undefined || typeof addr === 'string') {
      throw illegalStateError(
        `Cannot read the fake cloud's port: state is "${this.state}"`,
        this.state,
      );
    }
    return addr.port;
  }

  /** `http://host:port` clients should use (a wildcard listen address becomes 127.0.0.1). */
  get origin(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** Keystone v3 auth URL, e.g. `http://127.0.0.1:41234/v3`. */
  get authUrl(): string {
    return `${this.origin}/v3`;
  }

  /**
   * A copy of everything the cloud holds, with call counts. (Named `snapshot`, not `state`:
   * `state` is the Service life-cycle state.)
   */
  snapshot(): FakeCloudSnapshot {
    return snapshot(this.store);
  }

  /** Call counts per endpoint, keyed `<service> <METHOD> <route>`, e.g. `compute POST /v2.1/servers`. */
  calls(): Record<string, number> {
    return Object.fromEntries(this.store.calls);
  }

  /** The requests received so far (empty unless the `recordRequests` option is set). */
  requests(): FakeRequestRecord[] {
    return [...(this.store.requestLog ?? [])];
  }

  /** Empties the request log. */
  clearRequests(): void {
    this.store.requestLog?.splice(0);
  }

  /** What each server's SSH saw, by server id (empty without `sshPort`). */
  sshActivity(): Record<string, NodeSshActivity> {
    return this.nodeSsh?.snapshot() ?? {};
  }

  /** Changes knobs while running. @throws RangeError naming a bad knob. */
  setKnobs(patch: FakeCloudKnobsPatch): void {
    this.store.knobs = applyKnobs(this.store.knobs, patch);
  }

  /** Makes the next `count` creates/deletes/uploads fail (`mode` as the failureMode knob). */
  failNext(op: FaultOp, count: number, mode?: FailureMode): void {
    failNext(this.store, op, count, mode);
  }

  /** Expires every issued token, so clients must authenticate again. */
  expireTokens(): void {
    for (const t of this.store.tokens.values()) t.expiresAt = 0;
  }

  /** Lists `name` as one more region of the catalog. */
  addRegion(name: string): void {
    this.store.addRegion(name);
  }

  /** Cancels pending transitions and returns the cloud to its seeded state. */
  reset(): void {
    this.lifecycle.clear();
    this.store.reset();
  }

  /** A clouds.yaml document with one cloud `name` pointing at this fake. */
  cloudsYaml(name = 'fake'): string {
    return [
      'clouds:',
      `  ${name}:`,
      '    auth:',
      `      auth_url: ${this.authUrl}`,
      '      username: demo',
      '      password: secret',
      '      project_name: demo',
      '      user_domain_name: Default',
      '      project_domain_name: Default',
      `    region_name: ${this.store.regions[0] ?? 'RegionOne'}`,
      '    identity_api_version: 3',
      '    interface: public',
      '',
    ].join('\n');
  }

  protected async doStart(): Promise<void> {
    let origin: string | undefined;
    const deps = {
      store: this.store,
      lifecycle: this.lifecycle,
      services: this.services,
      // Read at the first request (after listen), then kept: it cannot change while running.
      origin: () => (origin ??= this.origin),
      signal: this.signal,
    };
    const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
      this.tasks.spawn('request', async () => {
        await dispatch(deps, req, res);
        this.log?.debug(
          { method: req.method, url: req.url, status: res.statusCode },
          'Fake cloud request',
        );
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  protected async doStop(): Promise<void> {
    this.lifecycle.stop();
    this.store.onServersChanged = null;
    await this.nodeSsh?.stop();
    const server = this.server;
    if (server === null) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await this.tasks.drain();
    server.closeAllConnections();
    await closed;
  }
}
