/**
 * Errors of cloud providers. Every failure of a cloud call is a {@link ProviderError}; the
 * subclasses name the conditions callers act on (match with `instanceof`, never on text).
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
export class QuotaExceededError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { statsKey: 'error.quota', ...opts, code: 'ERR_PROVIDER_QUOTA' });
  }
}

/** The resource does not exist (HTTP 404). */
export class ResourceNotFoundError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_NOT_FOUND' });
  }
}

/** The request conflicts with the resource's state (HTTP 409). */
export class ConflictError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_CONFLICT' });
  }
}

/** The credentials were refused (HTTP 401, after one re-authentication). */
export class UnauthorizedError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_UNAUTHORIZED' });
  }
}

/** The cloud failed (HTTP 5xx). */
export class ServerError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_SERVER' });
  }
}

/** A call took longer than `api-timeout`, or a wait took longer than its timeout. */
export class ApiTimeoutError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_TIMEOUT' });
  }
}

/** The cloud could not be reached (connection refused, reset, DNS). */
export class ProviderConnectionError extends ProviderError {
  constructor(message: string, opts: SubclassOptions) {
    super(message, { ...opts, code: 'ERR_PROVIDER_CONNECTION' });
  }
}

/** A server reached ERROR (or another non-ACTIVE end state) while we waited for ACTIVE. */
export class ServerFailedError extends ProviderError {
  readonly serverId: string;
  readonly serverStatus: string;
  readonly fault?: { class: 'quota' | 'capacity' | 'other'; code?: number; message: string };

  constructor(
    message: string,
    opts: SubclassOptions & { serverId: string; serverStatus: string; fault?: ServerFailedError['fault'] },
  ) {
    const { serverId, serverStatus, fault, ...rest } = opts;
    super(message, { statsKey: 'error.status', ...rest, code: 'ERR_PROVIDER_SERVER_FAILED' });
    this.serverId = serverId;
    this.serverStatus = serverStatus;
    if (fault !== undefined) this.fault = fault;
  }
}

/** The provider (its task queue) was stopped before the call could run. */
export class ProviderStoppedError extends NodepoolError {
  readonly provider: string;
  constructor(provider: string) {
    super(`Cannot run a cloud call: provider "${provider}" is no longer running`, {
      code: 'ERR_PROVIDER_STOPPED',
    });
    this.provider = provider;
  }
}
