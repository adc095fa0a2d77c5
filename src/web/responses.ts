/**
 * Response bodies and headers the web app shares: WebOb's 404 page (what upstream's
 * paste/WebOb server answers for an unknown path), HTTP dates and the conditional-request
 * rule of WebOb's `conditional_response_app`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `Content-Type` of the text tables (WebOb's `charset='UTF-8'`). */
export const TEXT_PLAIN = 'text/plain; charset=UTF-8';
/** `Content-Type` of the JSON extras. */
export const APPLICATION_JSON = 'application/json; charset=UTF-8';

/** An HTTP-date (RFC 7231 IMF-fixdate) of a time in milliseconds, truncated to the second. */
export function httpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

/**
 * True when a GET or HEAD with `If-Modified-Since` at or after `lastModifiedMs` (compared in
 * whole seconds, as the header carries them) may be answered 304, as WebOb does.
 */
export function isNotModified(req: IncomingMessage, lastModifiedMs: number): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const header = req.headers['if-modified-since'];
  if (header === undefined || header === '') return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(lastModifiedMs / 1000) <= Math.floor(since / 1000);
}

// Compat: WebOb's HTTPNotFound page, byte for byte (html and plain templates).
const NOT_FOUND_HTML =
  '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n' +
  '  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>';
const NOT_FOUND_PLAIN = '404 Not Found\n\nThe resource could not be found.\n\n   ';

/**
 * Sends WebOb's 404 page: HTML when the client accepts HTML or anything (`*\/*`, as browsers
 * and curl do), plain text otherwise.
 */
export function sendNotFound(req: IncomingMessage, res: ServerResponse): void {
  const accept = req.headers.accept ?? '';
  const isHtml = accept.includes('html') || accept.includes('*/*');
  send(res, 404, isHtml ? NOT_FOUND_HTML : NOT_FOUND_PLAIN, {
    'Content-Type': isHtml ? 'text/html; charset=UTF-8' : TEXT_PLAIN,
  });
}

/** Sends a complete response with an exact `Content-Length` (no body for HEAD, by Node). */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

/** Sends a one-line plain-text error (503 when unavailable, 500 when a read failed). */
export function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, message.replace(/\s*\n\s*/g, ' ') + '\n', {
    'Content-Type': TEXT_PLAIN,
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'no-store',
  });
}
