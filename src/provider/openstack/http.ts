/**
 * One HTTP request to an OpenStack API with a timeout, JSON handling and typed errors.
 * Nothing is retried here; the session re-authenticates once on 401.
 */
import {
  ProviderError,
  ResourceNotFoundError,
  UnauthorizedError,
  quotaExceeded,
} from '../errors.js';
import { FileReadFailure, SendTimeout, send } from './send.js';
import type { AnswerHeaders, TlsSettings } from './send.js';

/** Default for `api-timeout` when the provider sets none. */
export const DEFAULT_API_TIMEOUT_MS = 60_000;

/** Who is calling: named in errors. */
export interface HttpContext {
  provider: string;
  /** `identity`, `compute`, `image` or `network`. */
  service: string;
  timeoutMs: number;
  /** For `https:` endpoints; absent: the system's CAs, verified. */
  tls?: TlsSettings;
}

/** One request. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  /** What we tried, for error messages: `create server "n1"`. */
  action: string;
  json?: unknown;
  /** A body factory (called again if the request is re-sent after re-authentication). */
  body?: () => string | Uint8Array;
  /**
   * A local file sent as the body, streamed with backpressure (image data). Read again if
   * the request is re-sent after re-authentication.
   */
  bodyFile?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the context's timeout (uploads). `0` = none. */
  timeoutMs?: number;
}

/** A successful answer. */
export interface HttpResponse {
  status: number;
  headers: AnswerHeaders;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
  requestId?: string;
}

function requestIdOf(headers: AnswerHeaders): string | undefined {
  return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? undefined;
}

/** Extracts the human message from an OpenStack error body (Nova, Neutron, Keystone, Glance). */
export function cloudMessage(text: string): { message: string; type?: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      for (const value of Object.values(parsed)) {
        if (value && typeof value === 'object' && 'message' in value) {
          const v = value as { message?: unknown; type?: unknown };
          return {
            message: String(v.message),
            ...(typeof v.type === 'string' ? { type: v.type } : {}),
          };
        }
      }
      if (typeof parsed['message'] === 'string') return { message: parsed['message'] };
    } catch {
      // Not JSON after all: fall through to plain text.
    }
  }
  const plain = trimmed
    .replace(/<title>[^<]*<\/title>/i, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { message: plain.length > 500 ? `${plain.slice(0, 500)}...` : plain };
}

function isQuota(status: number, message: string, type?: string): boolean {
  if (status === 413) return true;
  if (status !== 403 && status !== 409) return false;
  return type === 'OverQuota' || /quota/i.test(message);
}

/** Builds the typed error for a non-2xx answer. */
export function errorFromStatus(
  ctx: HttpContext,
  action: string,
  status: number,
  text: string,
  requestId?: string,
): ProviderError {
  const { message, type } = cloudMessage(text);
  const where = requestId ? ` (request ${requestId})` : '';
  const full = `Cannot ${action} in provider "${ctx.provider}": ${ctx.service} answered ${status}: ${message || '(no message)'}${where}`;
  const opts = {
    provider: ctx.provider,
    service: ctx.service,
    status,
    ...(requestId ? { requestId } : {}),
  };
  if (isQuota(status, message, type)) return quotaExceeded(full, opts);
  if (status === 401) return new UnauthorizedError(full, opts);
  if (status === 404) return new ResourceNotFoundError(full, opts);
  if (status === 409) return new ProviderError(full, { ...opts, code: 'ERR_PROVIDER_CONFLICT' });
  if (status >= 500) return new ProviderError(full, { ...opts, code: 'ERR_PROVIDER_SERVER' });
  return new ProviderError(full, opts);
}

/**
 * Sends one request. Resolves for 2xx; rejects with a `ProviderError` otherwise (code by
 * status), `ERR_PROVIDER_TIMEOUT` after the timeout, `ERR_PROVIDER_CONNECTION` when nothing answered, and
 * the caller's `signal.reason` when the caller aborted.
 */
export async function httpRequest(ctx: HttpContext, req: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? ctx.timeoutMs;
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  let body: string | Uint8Array | undefined;
  if (req.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.body) {
    body = req.body();
  }
  const opts = { provider: ctx.provider, service: ctx.service };
  let res: { status: number; headers: AnswerHeaders };
  let text: string;
  try {
    ({ text, ...res } = await send(req.url, {
      method: req.method,
      headers,
      ...(req.bodyFile !== undefined ? { file: req.bodyFile } : body !== undefined ? { body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(ctx.tls ? { tls: ctx.tls } : {}),
      timeoutMs,
    }));
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (err instanceof SendTimeout) {
      throw new ProviderError(
        `Cannot ${req.action} in provider "${ctx.provider}": ${ctx.service} did not answer within ${timeoutMs} ms`,
        { ...opts, code: 'ERR_PROVIDER_TIMEOUT', cause: err },
      );
    }
    if (err instanceof FileReadFailure) {
      throw new ProviderError(
        `Cannot ${req.action} in provider "${ctx.provider}": ${err.message}`,
        {
          ...opts,
          code: 'ERR_PROVIDER_UPLOAD_FILE',
          cause: err,
        },
      );
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw new ProviderError(
      `Cannot ${req.action} in provider "${ctx.provider}": ${ctx.service} at "${new URL(req.url).origin}" is unreachable: ${detail}`,
      { ...opts, code: 'ERR_PROVIDER_CONNECTION', cause: err },
    );
  }
  const requestId = requestIdOf(res.headers);
  if (res.status < 200 || res.status >= 300) {
    throw errorFromStatus(ctx, req.action, res.status, text, requestId);
  }
  let parsed: unknown;
  if (text !== '' && (res.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ProviderError(
        `Cannot ${req.action} in provider "${ctx.provider}": ${ctx.service} sent invalid JSON`,
        { ...opts, status: res.status, ...(requestId ? { requestId } : {}), cause: err },
      );
    }
  }
  return {
    status: res.status,
    headers: res.headers,
    body: parsed,
    ...(requestId ? { requestId } : {}),
  };
}
