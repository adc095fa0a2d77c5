/**
 * Sends one HTTP request over `node:http`/`node:https` (keep-alive global agents) and
 * collects the answer. Every cloud API call goes through here: Node 20's `fetch` costs
 * about four times the CPU per request (a Request, a Response and several AbortSignals
 * each), which a launcher making hundreds of calls a second cannot afford. A local file
 * body (Glance image data) is streamed with backpressure, where `fetch` would buffer it.
 *
 * This module knows nothing of OpenStack: `http.ts` maps its outcomes to typed errors.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { onAbort } from '../../util/index.js';

/** What to send. */
export interface SendOptions {
  method: string;
  /** Request headers; `Content-Length` is set from the body. */
  headers: Record<string, string>;
  /** The body, when there is one and it is not a file. */
  body?: string | Uint8Array;
  /** Path of a file to send as the body (instead of `body`). */
  file?: string;
  /** Aborts the request (the socket is destroyed and the file closed). */
  signal?: AbortSignal;
  /** Time allowed for the whole exchange; 0 or absent: no limit. */
  timeoutMs?: number;
  /** TLS settings for an `https:` URL (ignored for `http:`). */
  tls?: TlsSettings;
}

/** How an `https:` endpoint is checked and what we present (clouds.yaml `verify`, `cacert`, `cert`, `key`). */
export interface TlsSettings {
  /** False: accept any certificate (clouds.yaml `verify: false` / `insecure: true`). */
  rejectUnauthorized?: boolean;
  /** PEM CA bundle to trust instead of the system's (clouds.yaml `cacert`). */
  ca?: string;
  /** PEM client certificate and key (clouds.yaml `cert`, `key`). */
  cert?: string;
  key?: string;
}

/** An answer's headers, looked up by name in any case (what a fetch `Headers` offers). */
export interface AnswerHeaders {
  /** The value, several joined with ", ", or null when absent. */
  get(name: string): string | null;
}

/** The server's answer, whatever its status. */
export interface SentAnswer {
  status: number;
  headers: AnswerHeaders;
  text: string;
}

/** Reading the local file failed (before or while sending): not a network failure. */
export class FileReadFailure extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`Cannot read "${file}": ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'FileReadFailure';
  }
}

/** The exchange took longer than `timeoutMs`; the request was destroyed. */
export class SendTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'SendTimeout';
  }
}

/** Node's parsed headers behind {@link AnswerHeaders}: a fetch `Headers` per answer cost more. */
class NodeHeaders implements AnswerHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

function collect(req: http.ClientRequest): Promise<SentAnswer> {
  return new Promise<SentAnswer>((resolve, reject) => {
    req.on('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.once('close', () => {
        if (!res.complete)
          reject(new Error('The connection closed before the answer was complete'));
      });
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: new NodeHeaders(res.headers),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
}

/**
 * Sends a request to `url` and resolves to the answer (any status). Rejects with a
 * {@link FileReadFailure} when the body file cannot be read, with {@link SendTimeout} after
 * `timeoutMs`, with `o.signal`'s reason when it aborts, and with the socket's
 * error when the connection fails. A server that answers before it has read a whole file
 * body (a 413 or 401, say) is heard: its answer wins over the write error that follows.
 */
export async function send(url: string, o: SendOptions): Promise<SentAnswer> {
  o.signal?.throwIfAborted();
  let size: number;
  if (o.file !== undefined) {
    try {
      size = (await stat(o.file)).size;
    } catch (err) {
      throw new FileReadFailure(o.file, err);
    }
  } else {
    size =
      o.body === undefined
        ? 0
        : typeof o.body === 'string'
          ? Buffer.byteLength(o.body)
          : o.body.byteLength;
  }
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const client = secure ? https : http;
  const tls = secure && o.tls !== undefined ? o.tls : {};
  const headers =
    o.body !== undefined || o.file !== undefined
      ? { ...o.headers, 'Content-Length': String(size) }
      : o.headers;
  const deadline = o.timeoutMs ? performance.now() + o.timeoutMs : undefined;
  for (let attempt = 1; ; attempt++) {
    o.signal?.throwIfAborted();
    const req = client.request(target, { method: o.method, headers, ...tls });
    // Not http's `signal` option: that adds one listener per request to what is often one
    // signal shared by every call of a daemon (MaxListenersExceededWarning past 10).
    const stopListening = o.signal
      ? onAbort(o.signal, () => req.destroy(o.signal?.reason as Error))
      : undefined;
    const left = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
    const timer =
      left === undefined
        ? undefined
        : setTimeout(() => req.destroy(new SendTimeout(o.timeoutMs ?? 0)), left);
    try {
      const answer = collect(req);
      if (o.file !== undefined) return await sendFileBody(req, o.file, answer);
      req.end(o.body);
      return await answer;
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      // A kept-alive connection the server closed while idle fails at once, before the
      // server read anything: send again, once, on a new connection (Node's documented way).
      if (
        attempt === 1 &&
        o.file === undefined &&
        req.reusedSocket &&
        (err as NodeJS.ErrnoException).code === 'ECONNRESET'
      )
        continue;
      throw err;
    } finally {
      clearTimeout(timer);
      stopListening?.();
    }
  }
}

async function sendFileBody(
  req: http.ClientRequest,
  file: string,
  answer: Promise<SentAnswer>,
): Promise<SentAnswer> {
  const source = createReadStream(file);
  let readError: unknown = null;
  source.once('error', (err) => (readError = err));
  // Settled while the body is still being sent (an early answer, an abort): awaited below.
  void answer.catch(() => undefined);
  // pipeline() ends the request after the last chunk, and destroys both streams on error
  // (which also settles `answer`).
  const sendError = await pipeline(source, req).then(
    () => null,
    (err: unknown) => err,
  );
  if (readError !== null) throw new FileReadFailure(file, readError);
  try {
    return await answer;
  } catch (err) {
    throw sendError ?? err;
  }
}
