/** `send()`: the HTTP exchange under every cloud API call, against a real loopback server. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledProvider } from '../../../src/config/index.js';
import { tlsSettings } from '../../../src/provider/openstack/config.js';
import { KeystoneSession } from '../../../src/provider/openstack/keystone.js';
import { SendTimeout, send } from '../../../src/provider/openstack/send.js';

type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: string,
  n: number,
) => void;

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
    const answer = await send(`${url}/servers`, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: '{"server":{}}',
    });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('x-openstack-request-id')).toBe('req-1');
    expect(JSON.parse(answer.text)).toEqual({
      method: 'POST',
      length: '13',
      body: '{"server":{}}',
    });
  });

  it('gives up with SendTimeout when the answer takes longer than timeoutMs', async () => {
    const url = await serve(() => undefined); // never answers
    const err = await send(url, { method: 'GET', headers: {}, timeoutMs: 150 }).catch(
      (e: unknown) => e,
    );
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
    await expect(send(url, { method: 'POST', headers: {}, body: 'x' })).rejects.toThrow(
      /socket hang up/,
    );
    expect(requests).toBe(1);
  });
});

describe('send over https', () => {
  // A self-signed certificate for 127.0.0.1, made with the machine's openssl.
  let dir = '';
  let pem = { cert: '', key: '' };
  let tlsServer: https.Server | null = null;
  let url = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'np-send-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    pem = {
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
    tlsServer = https.createServer(pem, (req, res) => {
      if (req.url === '/v3/auth/tokens') {
        res.setHeader('x-subject-token', 'tok-1');
        res.setHeader('content-type', 'application/json');
        res.statusCode = 201;
        res.end(
          JSON.stringify({
            token: {
              expires_at: '2099-01-01T00:00:00Z',
              issued_at: '2026-01-01T00:00:00Z',
              catalog: [{ type: 'compute', endpoints: [] }],
            },
          }),
        );
        return;
      }
      res.end('secure');
    });
    await new Promise<void>((r) => tlsServer!.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    tlsServer?.closeAllConnections();
    await new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a certificate the system does not trust', async () => {
    await expect(send(url, { method: 'GET', headers: {} })).rejects.toThrow(
      /self[- ]signed certificate/,
    );
  });

  it('trusts the CA bundle given as tls.ca', async () => {
    expect((await send(url, { method: 'GET', headers: {}, tls: { ca: pem.cert } })).text).toBe(
      'secure',
    );
  });

  it('accepts any certificate with rejectUnauthorized false', async () => {
    expect(
      (await send(url, { method: 'GET', headers: {}, tls: { rejectUnauthorized: false } })).text,
    ).toBe('secure');
  });

  it('lets a Keystone session authenticate against the https endpoint with its tls settings', async () => {
    const options = {
      provider: 'p',
      auth: { auth_url: `${url}v3`, username: 'u', password: 'x' },
      timeoutMs: 5000,
    };
    await expect(new KeystoneSession(options).token()).rejects.toThrow(
      /Cannot authenticate \(identity v3\) in provider "p".*self[- ]signed/,
    );
    expect((await new KeystoneSession({ ...options, tls: { ca: pem.cert } }).token()).id).toBe(
      'tok-1',
    );
  });

  it('builds the settings from clouds.yaml verify, cacert, cert and key', () => {
    const provider = (cloud: object): CompiledProvider =>
      ({ name: 'p', cloud: { auth: {}, extra: {}, ...cloud } }) as unknown as CompiledProvider;
    writeFileSync(path.join(dir, 'ca.pem'), pem.cert);
    expect(tlsSettings(provider({}))).toBeUndefined();
    expect(
      tlsSettings(provider({ verify: false, extra: { cacert: path.join(dir, 'ca.pem') } })),
    ).toEqual({ rejectUnauthorized: false });
    expect(tlsSettings(provider({ extra: { cacert: path.join(dir, 'ca.pem') } }))).toEqual({
      ca: pem.cert,
    });
    expect(
      tlsSettings(
        provider({ extra: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') } }),
      ),
    ).toEqual({ cert: pem.cert, key: pem.key });
    expect(() =>
      tlsSettings(provider({ extra: { cacert: path.join(dir, 'missing.pem') } })),
    ).toThrow(
      `Cannot start provider "p": cannot read clouds.yaml "cacert" file "${path.join(dir, 'missing.pem')}": ENOENT`,
    );
    expect(() => tlsSettings(provider({ extra: { key: ['a'] } }))).toThrow(
      'Cannot start provider "p": clouds.yaml "key" must be a file path, not ["a"]',
    );
  });
});
