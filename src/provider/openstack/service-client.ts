/** Base of the per-service REST clients: one service of one provider's session. */
import type { HttpContext, HttpRequest, HttpResponse } from './http.js';
import type { KeystoneSession, ServiceRef } from './keystone.js';

/** Options shared by every REST call. */
export interface RestCallOptions {
  signal?: AbortSignal;
}

/** Common plumbing of the Nova, Glance and Neutron clients. */
export abstract class ServiceClient {
  protected readonly ctx: HttpContext;

  constructor(
    protected readonly session: KeystoneSession,
    protected readonly ref: ServiceRef,
    options: { provider: string; service: string; timeoutMs: number },
  ) {
    this.ctx = {
      provider: options.provider,
      service: options.service,
      timeoutMs: options.timeoutMs,
    };
  }

  /** Sends one request to this service (`path` relative to its versioned endpoint). */
  protected call(
    method: HttpRequest['method'],
    path: string,
    action: string,
    options: RestCallOptions & Omit<HttpRequest, 'url' | 'method' | 'action' | 'signal'> = {},
  ): Promise<HttpResponse> {
    return this.session.request(this.ctx, this.ref, path, { method, action, ...options });
  }

  /** The versioned base URL of the service (for following absolute `next` links). */
  protected async baseUrl(signal?: AbortSignal): Promise<string> {
    const token = await this.session.token(signal);
    return this.session.endpointFor(token, this.ref);
  }
}

/** Narrows unknown JSON to an object (or `{}`). */
export function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Narrows unknown JSON to an array (or `[]`). */
export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string field, or undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
