/** `send()`: the HTTP exchange under every cloud API call, against a real loopback server. */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SendTimeout, send } from '../../../src/provider/openstack/send.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string, n: number) => void;

let server: http.Server | null = null;
const sockets = new Set<Socket>();

async function serve(handler: Handler): Promise<string> {
  let n = 0;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body, ++n));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

describe('send', () => {
  it('sends a body with its length and returns status, headers and text', async () => {
    const url = await serve((req, res, body) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-openstack-request-id', 'req-1');
      res.statusCode = 202;
      res.end(JSON.stringify({ method: req.method, length: req.headers['content-length'], body }));
    });
    const answer = await send(`${url}/servers`, { method: 'POST', headers: { Accept: 'application/json' }, body: '{"server":{}}' });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('x-openstack-request-id')).toBe('req-1');
    expect(JSON.parse(answer.text)).toEqual({ method: 'POST', length: '13', body: '{"server":{}}' });
  });

  it('gives up with SendTimeout when the answer takes longer than timeoutMs', async () => {
    const url = await serve(() => undefined); // never answers
    const err = await send(url, { method: 'GET', headers: {}, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendTimeout);
    expect((err as Error).message).toBe('no complete answer within 150 ms');
  });

  it("rejects with the caller's abort reason", async () => {
    const url = await serve(() => undefined);
    const ac = new AbortController();
    const pending = send(url, { method: 'GET', headers: {}, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stopping')), 50);
    await expect(pending).rejects.toThrow('stopping');
  });

  it('sends again, once, when the server closed a kept-alive connection', async () => {
    const connections = new Set<unknown>();
    const url = await serve((req, res, _body, n) => {
      connections.add(req.socket);
      // The second request arrives on the kept-alive connection: drop it unanswered, as a
      // server does that closes an idle connection just as the client reuses it.
      if (n === 2) {
        req.socket.destroy();
        return;
      }
      res.end(`answer ${n}`);
    });
    expect((await send(url, { method: 'GET', headers: {} })).text).toBe('answer 1');
    expect((await send(url, { method: 'POST', headers: {}, body: 'x' })).text).toBe('answer 3');
    expect(connections.size).toBe(2);
  });

  it('does not send again when a new connection is dropped', async () => {
    let requests = 0;
    const url = await serve((req) => {
      requests++;
      req.socket.destroy();
    });
    await expect(send(url, { method: 'POST', headers: {}, body: 'x' })).rejects.toThrow(/socket hang up/);
    expect(requests).toBe(1);
  });
});
