/** What each fake API (identity, compute, image, network, control) plugs into the server. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiError, RequestContext, Router } from './http.js';

/** One API served under a path prefix of the fake cloud's single port. */
export interface FakeService {
  readonly name: 'identity' | 'compute' | 'image' | 'network' | 'control';
  /** Path prefix, e.g. `/compute`; '' for identity at the root. */
  readonly prefix: string;
  readonly router: Router;
  /** Routes answered without a token (version documents, token creation). */
  isPublic(method: string, path: string): boolean;
  /** The error body this service sends for `err` (each OpenStack service has its own shape). */
  errorBody(err: ApiError): unknown;
  /**
   * Reads the requested microversion from the headers (compute only).
   * @throws ApiError 400 for a malformed one, 406 for one out of range.
   */
  parseMicroversion?(headers: IncomingHttpHeaders): [number, number];
  /** Extra headers on every answer (compute: microversion headers). */
  headers?(ctx: Pick<RequestContext, 'microversion'>, requestId: string): Record<string, string>;
}

/** Standard HTTP reason phrases for the statuses the fake sends. */
export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Body keystonemiddleware sends for a missing, bad or expired token (every service). */
export const UNAUTHORIZED_BODY = {
  error: {
    code: 401,
    title: 'Unauthorized',
    message: 'The request you have made requires authentication.',
  },
};
