/**
 * Glance (image v2) REST client: create an image record, upload its data streamed from disk,
 * get, list (all pages) and delete.
 */
import type { KeystoneSession } from './keystone.js';
import { ServiceClient, asArray, asObject, asString } from './service-client.js';
import type { RestCallOptions } from './service-client.js';

/** An image as Glance v2 returns it: core fields plus custom properties at top level. */
export type GlanceImage = Record<string, unknown> & {
  id: string;
  name?: string | null;
  status: string;
};

/** Glance's catalog URL may be unversioned; calls go to `<url>/v2`. */
export function glanceBase(url: string): string {
  const u = url.replace(/\/+$/, '');
  return /\/v2(\.\d+)?$/.test(u) ? u.replace(/\/v2\.\d+$/, '/v2') : `${u}/v2`;
}

/** Glance client of one provider. */
export class GlanceClient extends ServiceClient {
  constructor(session: KeystoneSession, options: { provider: string; timeoutMs: number }) {
    super(session, { type: 'image', normalize: glanceBase }, { ...options, service: 'image' });
  }

  /**
   * Creates an image record (status `queued`). `fields` holds core fields (`name`,
   * `disk_format`, `container_format`, `visibility`) and custom string properties.
   */
  async createImage(
    fields: Record<string, unknown>,
    o: RestCallOptions = {},
  ): Promise<GlanceImage> {
    const res = await this.call('POST', '/images', `create image "${String(fields['name'])}"`, {
      ...o,
      json: fields,
    });
    return res.body as GlanceImage;
  }

  /**
   * Uploads the image data from `filename`, streamed from disk with backpressure (never
   * read whole into memory). `timeoutMs` bounds the whole upload (0 = none).
   */
  async uploadFile(
    id: string,
    filename: string,
    o: RestCallOptions & { timeoutMs?: number } = {},
  ): Promise<void> {
    await this.call(
      'PUT',
      `/images/${encodeURIComponent(id)}/file`,
      `upload data of image "${id}"`,
      {
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
        headers: { 'Content-Type': 'application/octet-stream' },
        bodyFile: filename,
      },
    );
  }

  /** One image. @throws ResourceNotFoundError */
  async getImage(id: string, o: RestCallOptions = {}): Promise<GlanceImage> {
    const res = await this.call('GET', `/images/${encodeURIComponent(id)}`, `get image "${id}"`, o);
    return res.body as GlanceImage;
  }

  /** Every image visible to the project, following `next` links; optional exact-name filter. */
  async listImages(o: RestCallOptions & { name?: string } = {}): Promise<GlanceImage[]> {
    const out: GlanceImage[] = [];
    const query = new URLSearchParams({ limit: '100' });
    if (o.name !== undefined) query.set('name', o.name);
    let next: string | undefined = `/images?${query.toString()}`;
    for (let page = 0; next !== undefined && page < 10_000; page++) {
      const res = await this.call('GET', next, 'list images', o.signal ? { signal: o.signal } : {});
      const body = asObject(res.body);
      out.push(...(asArray(body['images']) as GlanceImage[]));
      const href = asString(body['next']);
      // `next` is a path such as `/v2/images?marker=...`; our base already ends in /v2.
      next = href ? href.replace(/^\/v2(?=\/)/, '') : undefined;
    }
    return out;
  }

  /** Deletes an image. @throws ResourceNotFoundError */
  async deleteImage(id: string, o: RestCallOptions = {}): Promise<void> {
    await this.call('DELETE', `/images/${encodeURIComponent(id)}`, `delete image "${id}"`, o);
  }
}
