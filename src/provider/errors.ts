/**
 * Errors of cloud providers. Every failure of a cloud call is a {@link ProviderError} with an
 * `ERR_PROVIDER_*` code (docs/errors.md) and the cloud's status and request id; a subclass
 * exists only for a condition some caller tells apart with `instanceof`. Quota refusals carry
 * the stats key `error.quota` (see {@link quotaExceeded}).
 */
import { NodepoolError } from '../errors.js';

/** Fields shared by every {@link ProviderError}. */
export interface ProviderErrorOptions {
  /** Provider name from nodepool.yaml. */
  provider: string;
  /** Cloud service: `identity`, `compute`, `image`, `network`, or `provider` for our logic. */
  service: string;
  /** HTTP status, when the cloud answered. */
  status?: number;
  /** The cloud's `x-openstack-request-id`, when it sent one. */
  requestId?: string;
  cause?: unknown;
  code?: string;
  statsKey?: string;
}

/** A cloud call failed. */
export class ProviderError extends NodepoolError {
  readonly provider: string;
  readonly service: string;
  readonly status?: number;
  readonly requestId?: string;

  constructor(message: string, opts: ProviderErrorOptions) {
    super(message, {
      code: opts.code ?? 'ERR_PROVIDER',
      cause: opts.cause,
      ...(opts.statsKey === undefined ? {} : { statsKey: opts.statsKey }),
    });
    this.provider = opts.provider;
    this.service = opts.service;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.requestId !== undefined) this.requestId = opts.requestId;
  }
}

type SubclassOptions = Omit<ProviderErrorOptions, 'code'>;

/**
 * The cloud refused for quota (HTTP 413, or 403/409 naming a quota), or nodepool refused
 * before asking because the request would exceed the cloud's absolute limits.
 */
export function quotaExceeded(message: string, opts: SubclassOptions): ProviderError {
  return new ProviderError(message, {
    statsKey: 'error.quota',
    ...opts,
    code: 'ERR_PROVIDER_QUOTA',
  });
}

/** The resource does not exist (HTTP 404). */
export class ResourceNotFoundError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_NOT_FOUND' });
  }
}

/** The credentials were refused (HTTP 401, after one re-authentication). */
export class UnauthorizedError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_UNAUTHORIZED' });
  }
}

/** A server reached ERROR (or another non-ACTIVE end state) while we waited for ACTIVE. */
export class ServerFailedError extends ProviderError {
  readonly serverId: string;
  readonly serverStatus: string;
  readonly fault?: { class: 'quota' | 'capacity' | 'other'; code?: number; message: string };

  constructor(
    message: string,
    opts: SubclassOptions & {
      serverId: string;
      serverStatus: string;
      fault?: ServerFailedError['fault'];
    },
  ) {
    const { serverId, serverStatus, fault, ...rest } = opts;
    super(message, { statsKey: 'error.status', ...rest, code: 'ERR_PROVIDER_SERVER_FAILED' });
    this.serverId = serverId;
    this.serverStatus = serverStatus;
    if (fault !== undefined) this.fault = fault;
  }
}

/**
 * The provider (its task queue) was stopped before the call could run: ERR_PROVIDER_STOPPED,
 * `details.provider` names it.
 */
export function providerStoppedError(provider: string): NodepoolError {
  return new NodepoolError(`Cannot run a cloud call: provider "${provider}" is no longer running`, {
    code: 'ERR_PROVIDER_STOPPED',
    details: { provider },
  });
}
