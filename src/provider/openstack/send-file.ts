/**
 * Sends a local file as a request body over `node:http`/`node:https`, streamed with
 * backpressure, and collects the answer. Used for Glance image data: Node 20's `fetch`
 * reads a streamed body ahead of the socket (`Readable.toWeb` ignores backpressure), so a
 * 1 GiB upload would sit in memory; here at most a few stream buffers do.
 *
 * This module knows nothing of OpenStack: `http.ts` maps its outcomes to typed errors.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';

/** What to send. */
export interface SendFileOptions {
  method: string;
  /** Request headers; `Content-Length` is set from the file's size. */
  headers: Record<string, string>;
  /** Path of the file to send as the body. */
  file: string;
  /** Aborts the request (the socket is destroyed and the file closed). */
  signal?: AbortSignal;
}

/** The server's answer, whatever its status. */
export interface SentFileAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Reading the local file failed (before or while sending): not a network failure. */
export class FileReadFailure extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`Cannot read "${file}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'FileReadFailure';
  }
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * Sends `o.file` to `url` and resolves to the answer (any status). Rejects with a
 * {@link FileReadFailure} when the file cannot be read, with the abort reason's error when
 * `o.signal` aborts, and with the socket's error when the connection fails. A server that
 * answers before it has read the whole body (a 413 or 401, say) is heard: its answer wins
 * over the write error that follows.
 */
export async function sendFile(url: string, o: SendFileOptions): Promise<SentFileAnswer> {
  o.signal?.throwIfAborted();
  let size: number;
  try {
    size = (await stat(o.file)).size;
  } catch (err) {
    throw new FileReadFailure(o.file, err);
  }
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const source = createReadStream(o.file);
  let readError: unknown = null;
  source.once('error', (err) => (readError = err));
  const req = client.request(target, {
    method: o.method,
    headers: { ...o.headers, 'Content-Length': String(size) },
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const answer = new Promise<SentFileAnswer>((resolve, reject) => {
    req.on('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.once('close', () => {
        if (!res.complete) reject(new Error('The connection closed before the answer was complete'));
      });
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: toHeaders(res.headers),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
  // Settled while the body is still being sent (an early answer, an abort): awaited below.
  void answer.catch(() => undefined);
  // pipeline() ends the request after the last chunk, and destroys both streams on error
  // (which also settles `answer`).
  const sendError = await pipeline(source, req).then(
    () => null,
    (err: unknown) => err,
  );
  if (readError !== null) {
    throw new FileReadFailure(o.file, readError);
  }
  try {
    return await answer;
  } catch (err) {
    throw sendError ?? err;
  }
}
