/**
 * Image data uploads (the Glance PUT, sent with node:http and streamed from disk): end to
 * end against the fake cloud (bytes, re-authentication, injected failure), and the error
 * mapping against a bare HTTP server on 127.0.0.1 that misbehaves on purpose.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledProvider } from '../../../src/config/index.js';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { ProviderError, ProviderSet } from '../../../src/provider/index.js';
import type { OpenStackProvider } from '../../../src/provider/index.js';
import { httpRequest } from '../../../src/provider/openstack/http.js';
import type { HttpContext } from '../../../src/provider/openstack/http.js';
import { createNoopStats } from '../../../src/stats/index.js';

const SIZE = 4 * 1024 * 1024 + 17;
let dir: string;
let file: string;
let md5: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'np-upload-'));
  file = path.join(dir, 'image.qcow2');
  const data = randomBytes(SIZE);
  md5 = createHash('md5').update(data).digest('hex');
  await writeFile(file, data);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('uploadImage against the fake cloud', () => {
  let cloud: FakeCloud;
  let set: ProviderSet;
  let provider: OpenStackProvider;

  beforeAll(async () => {
    cloud = new FakeCloud({ buildDelayMs: 0 });
    await cloud.start();
    set = new ProviderSet({
      log: pino({ level: 'silent' }),
      stats: createNoopStats(),
      tuning: { imagePollMs: 20 },
    });
    const config: CompiledProvider = {
      name: 'up',
      driver: 'openstack',
      cloud: {
        auth: {
          auth_url: cloud.authUrl,
          username: 'demo',
          password: 'secret',
          project_name: 'demo',
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        regionName: 'RegionOne',
        interface: 'public',
        identityApiVersion: '3',
        apiTimeoutMs: 30_000,
        imageFormat: 'qcow2',
        isFake: false,
        extra: {},
      },
      maxServers: 1,
      imageType: 'qcow2',
      networks: [],
      ipv6Preferred: false,
      bootTimeoutMs: 60_000,
      launchTimeoutMs: 600_000,
      rateMs: 0,
      templateHostname: 'template-{image.name}-{timestamp}',
      cleanFloatingIps: false,
      images: [],
    };
    await set.reconfigure([config]);
    provider = set.get('up') as OpenStackProvider;
  });

  afterAll(async () => {
    await set?.stop();
    await cloud?.stop();
  });

  it('streams every byte of the file', async () => {
    const img = await provider.uploadImage({
      name: 'streamed',
      filename: file,
      diskFormat: 'qcow2',
    });
    expect(img.status).toBe('active');
    expect(cloud.store.images.get(img.id)).toMatchObject({ size: SIZE, checksum: md5 });
  });

  it('authenticates again after a 401 and sends the whole file again', async () => {
    await provider.listImages();
    const before = provider.keystone?.authCount ?? 0;
    cloud.expireTokens();
    const img = await provider.uploadImage({ name: 'reauth', filename: file, diskFormat: 'qcow2' });
    expect(provider.keystone?.authCount).toBe(before + 1);
    expect(cloud.store.images.get(img.id)).toMatchObject({ size: SIZE, checksum: md5 });
  });

  it('reports a refused upload as ProviderError with the request id and deletes the image', async () => {
    cloud.failNext('upload', 1);
    const err = await provider
      .uploadImage({ name: 'refused', filename: file, diskFormat: 'qcow2' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PROVIDER_SERVER' });
    expect(err).toMatchObject({ status: 500, requestId: expect.stringMatching(/^req-/) });
    expect((err as Error).message).toMatch(
      /^Cannot upload data of image "[^"]+" in provider "up": image answered 500: /,
    );
    expect([...cloud.store.images.values()].filter((i) => i.name === 'refused')).toEqual([]);
  });

  it('names the file it cannot read', async () => {
    const missing = path.join(dir, 'missing.qcow2');
    const err = await provider
      .uploadImage({ name: 'missing', filename: missing, diskFormat: 'qcow2' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      code: 'ERR_PROVIDER_UPLOAD_FILE',
      provider: 'up',
      service: 'image',
    });
    expect((err as Error).message).toContain(`Cannot read "${missing}": ENOENT`);
  });
});

describe('httpRequest with bodyFile against a bare server', () => {
  let server: Server | null = null;
  const ctx: HttpContext = { provider: 'bare', service: 'image', timeoutMs: 30_000 };

  afterEach(async () => {
    const s = server;
    server = null;
    if (s !== null) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  async function serve(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<string> {
    const s = createServer(handler);
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v2/images/x/file`;
  }

  it('sends the headers, Content-Length and body, and returns the parsed answer', async () => {
    let seen: { headers: IncomingMessage['headers']; md5: string; size: number } | null = null;
    const url = await serve((req, res) => {
      const hash = createHash('md5');
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        hash.update(c);
      });
      req.on('end', () => {
        seen = { headers: req.headers, md5: hash.digest('hex'), size };
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'X-Openstack-Request-Id': 'req-ok',
        });
        res.end('{"ok":true}');
      });
    });
    const res = await httpRequest(ctx, {
      method: 'PUT',
      url,
      action: 'upload data of image "x"',
      headers: { 'Content-Type': 'application/octet-stream', 'X-Auth-Token': 'tok' },
      bodyFile: file,
    });
    expect(res).toMatchObject({ status: 200, body: { ok: true }, requestId: 'req-ok' });
    expect(seen).toMatchObject({ md5, size: SIZE });
    expect(seen!.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': String(SIZE),
      'x-auth-token': 'tok',
    });
  });

  it('hears a 413 sent before the body was read, as ProviderError', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(413, {
        'Content-Type': 'application/json',
        'X-Openstack-Request-Id': 'req-413',
        Connection: 'close',
      });
      res.end('{"overLimit": {"message": "Image storage media is full"}}');
    });
    const err = await httpRequest(ctx, {
      method: 'PUT',
      url,
      action: 'upload data of image "x"',
      bodyFile: file,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PROVIDER_QUOTA' });
    expect(err).toMatchObject({ status: 413, requestId: 'req-413' });
    expect((err as Error).message).toBe(
      'Cannot upload data of image "x" in provider "bare": image answered 413: Image storage media is full (request req-413)',
    );
  });

  it('gives up after the timeout with ApiTimeoutError', async () => {
    const url = await serve(() => undefined); // reads nothing, answers nothing
    const err = await httpRequest(ctx, {
      method: 'PUT',
      url,
      action: 'upload data of image "x"',
      bodyFile: file,
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PROVIDER_TIMEOUT' });
    expect((err as Error).message).toBe(
      'Cannot upload data of image "x" in provider "bare": image did not answer within 300 ms',
    );
  });

  it("rejects with the caller's abort reason", async () => {
    const url = await serve(() => undefined);
    const ac = new AbortController();
    const reason = new Error('builder stopping');
    const p = httpRequest(ctx, {
      method: 'PUT',
      url,
      action: 'upload data of image "x"',
      bodyFile: file,
      signal: ac.signal,
    });
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it('reports a refused connection as ProviderError', async () => {
    const url = await serve(() => undefined);
    const s = server!;
    server = null;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const err = await httpRequest(ctx, {
      method: 'PUT',
      url,
      action: 'upload data of image "x"',
      bodyFile: file,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PROVIDER_CONNECTION' });
    expect((err as Error).message).toMatch(
      /^Cannot upload data of image "x" in provider "bare": image at "http:\/\/127\.0\.0\.1:\d+" is unreachable: connect ECONNREFUSED/,
    );
  });
});
