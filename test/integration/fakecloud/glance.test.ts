import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { expectLikeReal, login, recorded, request, waitFor } from './helpers.js';

describe('FakeCloud Glance', () => {
  const cloud = new FakeCloud();
  let token = '';
  let dir = '';
  const glance = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) =>
    request(cloud, method, `/image${path}`, { token, ...opts });
  const create = (extra: Record<string, unknown> = {}) =>
    glance('POST', '/v2/images', {
      body: {
        name: 'img',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'private',
        nodepool_build_id: '0000000001',
        SHOULD_FAIL: 'no',
        ...extra,
      },
    });
  const upload = (id: string, data: Buffer | Readable) =>
    glance('PUT', `/v2/images/${id}/file`, {
      raw: data instanceof Readable ? (Readable.toWeb(data) as ReadableStream) : data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });

  beforeAll(async () => {
    await cloud.start();
    token = await login(cloud);
    dir = await mkdtemp(join(tmpdir(), 'fakecloud-glance-'));
  });
  afterAll(async () => {
    await cloud.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an image with properties as top-level fields, queued, like Glance', async () => {
    const res = await create();
    expectLikeReal(res, 'glance-image-create');
    expect(res.body).toMatchObject({
      status: 'queued',
      nodepool_build_id: '0000000001',
      visibility: 'private',
    });
    expect(res.headers.get('location')).toBe(`${cloud.origin}/image/v2/images/${res.body.id}`);
  });

  it('streams an upload from disk and keeps only its size and checksums', async () => {
    const path = join(dir, 'disk.qcow2');
    const data = Buffer.alloc(8 * 1024 * 1024 + 123, 7);
    await writeFile(path, data);
    const id = (await create()).body.id;
    const up = await upload(id, createReadStream(path));
    expectLikeReal(up, 'glance-image-upload');
    const got = await glance('GET', `/v2/images/${id}`);
    expectLikeReal(got, 'glance-image-get');
    expect(got.body).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: createHash('md5').update(data).digest('hex'),
      os_hash_value: createHash('sha512').update(data).digest('hex'),
    });
    expect((await upload(id, Buffer.from('again'))).status).toBe(409);
  });

  it('refuses the upload of an image whose SHOULD_FAIL property is true, as upstream fake did', async () => {
    const id = (await create({ SHOULD_FAIL: 'true' })).body.id;
    const res = await upload(id, Buffer.from('bytes'));
    expect(res.status).toBe(500);
    expect(res.body.title).toBe('Internal Server Error');
    expect((await glance('GET', `/v2/images/${id}`)).body.status).toBe('queued');
  });

  it('lists with filters and limit/marker pagination like Glance', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await create({ name: 'paged', nodepool_upload_id: String(i) })).body.id);
    const first = await glance('GET', '/v2/images?name=paged&limit=2');
    expectLikeReal(first, 'glance-images-list', ['images[]']);
    expect(first.body.images.map((i: any) => i.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.first).toBe('/v2/images?name=paged&limit=2');
    expect(first.body.next).toBe(`/v2/images?name=paged&limit=2&marker=${ids[1]}`);
    const second = await glance('GET', first.body.next);
    expect(second.body.images.map((i: any) => i.id)).toEqual([ids[0]]);
    expect(second.body.next).toBeUndefined();
    const byProp = await glance('GET', '/v2/images?nodepool_upload_id=1');
    expect(byProp.body.images.map((i: any) => i.id)).toEqual([ids[1]]);
    expect((await glance('GET', '/v2/images?marker=nope')).status).toBe(400);
  });

  it('deletes an image and then answers 404 with the Glance error body', async () => {
    const id = (await create()).body.id;
    expectLikeReal(await glance('DELETE', `/v2/images/${id}`), 'glance-image-delete');
    const gone = await glance('GET', `/v2/images/${id}`);
    expectLikeReal(gone, 'glance-image-not-found');
    expect(gone.body.message).toBe(`No image found with ID ${id}<br /><br />\n\n\n`);
    expect(recorded('glance-image-not-found').body.code).toBe(gone.body.code);
  });

  it('updates properties with a JSON patch', async () => {
    const id = (await create()).body.id;
    const res = await glance('PATCH', `/v2/images/${id}`, {
      body: [
        { op: 'add', path: '/extra', value: 'x' },
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'remove', path: '/SHOULD_FAIL' },
      ],
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ extra: 'x', name: 'renamed' });
    expect(res.body.SHOULD_FAIL).toBeUndefined();
    expect(
      (await glance('POST', '/v2/images', { body: { name: 'x', status: 'active' } })).status,
    ).toBe(403);
  });

  it('injects upload failures on demand and recovers after', async () => {
    cloud.failNext('upload', 1);
    const id = (await create()).body.id;
    expect((await upload(id, Buffer.from('one'))).status).toBe(500);
    expect((await upload(id, Buffer.from('two'))).status).toBe(204);
    await waitFor(async () => (await glance('GET', `/v2/images/${id}`)).body.status === 'active');
  });

  it('serves the version document', async () => {
    const res = await request(cloud, 'GET', '/image/');
    expectLikeReal(res, 'glance-versions');
  });
});
