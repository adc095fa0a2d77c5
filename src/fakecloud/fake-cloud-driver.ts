/**
 * The provider driver of 0.4.0's `auth-url: fake`: an OpenStack provider pointed at a fake
 * cloud, as upstream swapped in its fake provider manager. Programs register it when they
 * compose their driver registry (`cmd/`); the provider area knows nothing of it.
 */
import type { Logger } from 'pino';
import type { CompiledProvider } from '../config/index.js';
import { illegalStateError } from '../errors.js';
import { FAKE_CLOUD_DRIVER, OpenStackProvider } from '../provider/index.js';
import type { Provider, ProviderDeps, ProviderDriver } from '../provider/index.js';
import { BaseService } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { FakeCloud } from './fake-cloud.js';

/** A fake cloud run by someone else, in this process or another. */
export interface FakeCloudEndpoint {
  /** Its Keystone v3 URL, read when a provider starts. */
  readonly authUrl: string;
}

/** Options of {@link FakeCloudDriver}. */
export interface FakeCloudDriverOptions {
  /**
   * A fake cloud the caller started and stops (tests); its catalog is left as it is.
   * @default one of the driver's own,
   * started on first use and stopped with the driver
   */
  cloud?: FakeCloudEndpoint;
  /** Receives the driver's and its own fake cloud's state changes. */
  log?: Logger;
}

/**
 * The `fake` driver and the owner of the fake cloud it serves. Its own cloud listens on
 * 127.0.0.1 (free port), accepts any user, password and project, and lists `RegionOne`,
 * `fake-region` (upstream fixtures' region) and every region a provider asks for.
 */
export class FakeCloudDriver extends BaseService implements ProviderDriver {
  readonly name = FAKE_CLOUD_DRIVER;
  private readonly borrowed: FakeCloudEndpoint | undefined;
  private owned: Promise<FakeCloud> | null = null;
  /** The own cloud once it listens. */
  private started: FakeCloud | null = null;

  constructor(private readonly options: FakeCloudDriverOptions = {}) {
    super();
    this.borrowed = options.cloud;
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.options.log?.debug({ from, to }, 'Fake cloud driver %s', to);
  }

  /** Builds an OpenStack provider whose `auth-url: fake` is the fake cloud's Keystone. */
  create(config: CompiledProvider, deps: ProviderDeps): Provider {
    const region = config.cloud.regionName ?? config.regionName;
    const fakeAuthUrl = async (): Promise<string> => {
      // A borrowed cloud's catalog is its owner's business (a test may leave a region out).
      if (this.borrowed !== undefined) return this.borrowed.authUrl;
      const cloud = await this.ownCloud();
      if (region !== undefined && region !== '') cloud.addRegion(region);
      return cloud.authUrl;
    };
    return new OpenStackProvider(config, { ...deps, fakeAuthUrl });
  }

  /**
   * The driver's own fake cloud, started on first use.
   * @throws NodepoolError (ERR_ILLEGAL_STATE) when the driver is not running
   */
  ownCloud(): Promise<FakeCloud> {
    if (this.state !== 'running') {
      return Promise.reject(
        illegalStateError(
          `Cannot start the fake cloud of auth-url "fake": the fake cloud driver is not running: state is "${this.state}"`,
          this.state,
        ),
      );
    }
    if (this.owned === null) {
      const log = this.options.log;
      const cloud = new FakeCloud({
        regions: ['RegionOne', 'fake-region'],
        checkKeyNames: false,
        ...(log !== undefined ? { log } : {}),
      });
      const started = cloud.start().then(() => {
        this.started = cloud;
        return cloud;
      });
      this.owned = started;
      // A cloud that failed to start is forgotten, so the next provider start tries again.
      started.catch(() => {
        if (this.owned === started) this.owned = null;
      });
    }
    return this.owned;
  }

  /**
   * The SIGUSR2 report's entry: where the driver's own fake cloud listens, or null while no
   * `auth-url: fake` provider has started one (or it is borrowed).
   */
  diagnostics(): { cloud: { authUrl: string } | null } {
    return { cloud: this.started === null ? null : { authUrl: this.started.authUrl } };
  }

  protected doStart(): Promise<void> {
    return Promise.resolve();
  }

  protected async doStop(): Promise<void> {
    const owned = this.owned;
    this.owned = null;
    this.started = null;
    const cloud = await owned?.catch(() => null);
    await cloud?.stop();
  }
}
