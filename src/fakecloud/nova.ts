/**
 * Nova v2.1 of the fake cloud, served under `/compute`: servers (see nova-servers.ts and
 * nova-extras.ts), flavors, the deprecated image proxy, availability zones, limits and
 * version documents; microversions 2.1 to 2.93 as Zed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, Router } from './http.js';
import type { ApiResponse, RequestContext } from './http.js';
import { addServerExtraRoutes } from './nova-extras.js';
import { addServerRoutes, projectOf } from './nova-servers.js';
import { atLeast, computeUrl, flavorDetailView, links, MAX_MICROVERSION } from './nova-views.js';
import type { FakeService } from './service.js';
import type { ImageRecord } from './types.js';

const V21 = {
  id: 'v2.1',
  status: 'CURRENT',
  version: `${MAX_MICROVERSION[0]}.${MAX_MICROVERSION[1]}`,
  min_version: '2.1',
  updated: '2013-07-23T11:33:21Z',
};

/** Reads `OpenStack-API-Version: compute X` or `X-OpenStack-Nova-API-Version: X`. */
function parseMicroversion(headers: IncomingHttpHeaders): [number, number] {
  let raw: string | undefined;
  const generic = headers['openstack-api-version'];
  if (typeof generic === 'string') {
    const m = /(?:^|,)\s*compute\s+(\S+)/i.exec(generic);
    raw = m?.[1];
  }
  const legacy = headers['x-openstack-nova-api-version'];
  raw ??= typeof legacy === 'string' ? legacy.trim() : undefined;
  if (raw === undefined) return [2, 1];
  if (raw.toLowerCase() === 'latest') return MAX_MICROVERSION;
  const m = /^(\d+)\.(\d+)$/.exec(raw);
  if (m === null) throw new ApiError(400, `Invalid API version request string ${raw}`);
  const v: [number, number] = [Number(m[1]), Number(m[2])];
  const tooNew =
    v[0] > MAX_MICROVERSION[0] || (v[0] === MAX_MICROVERSION[0] && v[1] > MAX_MICROVERSION[1]);
  if (v[0] !== 2 || v[1] < 1 || tooNew) {
    throw new ApiError(
      406,
      `Version ${raw} is not supported by the API. Minimum is 2.1 and maximum is ${V21.version}.`,
      {
        headers: { 'OpenStack-API-Version': `compute ${raw}`, 'X-OpenStack-Nova-API-Version': raw },
      },
    );
  }
  return v;
}

function findFlavor(ctx: RequestContext): ReturnType<typeof flavorDetailView> {
  const f = ctx.store.flavors.get(ctx.params.id ?? '');
  if (f === undefined) throw new ApiError(404, `Flavor ${ctx.params.id ?? ''} could not be found.`);
  return flavorDetailView(ctx, f);
}

/** The image proxy only exists up to 2.35. */
function imageProxy(
  handler: (ctx: RequestContext) => ApiResponse,
): (ctx: RequestContext) => ApiResponse {
  return (ctx) => {
    if (atLeast(ctx, 36)) throw new ApiError(404, 'The resource could not be found.');
    return handler(ctx);
  };
}

function proxyImageView(
  ctx: RequestContext,
  img: ImageRecord,
  detail: boolean,
): Record<string, unknown> {
  const l = [
    ...links(ctx.origin, 'images', img.id),
    {
      rel: 'alternate',
      type: 'application/vnd.openstack.image',
      href: `${ctx.origin}/image/images/${img.id}`,
    },
  ];
  if (!detail) return { id: img.id, name: img.name, links: l };
  const status = {
    active: 'ACTIVE',
    queued: 'SAVING',
    saving: 'SAVING',
    killed: 'ERROR',
    deleted: 'DELETED',
  }[img.status];
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(img.properties)) if (typeof v === 'string') metadata[k] = v;
  return {
    id: img.id,
    name: img.name,
    minRam: img.minRam,
    minDisk: img.minDisk,
    metadata,
    created: img.createdAt,
    updated: img.updatedAt,
    status,
    progress: img.status === 'active' ? 100 : 25,
    'OS-EXT-IMG-SIZE:size': img.size,
    links: l,
  };
}

function visibleImages(ctx: RequestContext): ImageRecord[] {
  return [...ctx.store.images.values()].filter((i) => ctx.store.canSeeImage(i, projectOf(ctx)));
}

function limits(ctx: RequestContext): ApiResponse {
  const q = ctx.store.knobs.quota;
  const used = ctx.store.usage(projectOf(ctx));
  const abs: Record<string, number> = {
    maxTotalInstances: q.instances,
    maxTotalCores: q.cores,
    maxTotalRAMSize: q.ramMb,
    maxServerMeta: 128,
  };
  if (!atLeast(ctx, 39)) abs.maxImageMeta = 128;
  if (!atLeast(ctx, 57)) Object.assign(abs, { maxPersonality: 5, maxPersonalitySize: 10240 });
  Object.assign(abs, { maxTotalKeypairs: 100, maxServerGroups: 10, maxServerGroupMembers: 10 });
  if (!atLeast(ctx, 36))
    Object.assign(abs, {
      maxTotalFloatingIps: -1,
      maxSecurityGroups: -1,
      maxSecurityGroupRules: -1,
    });
  Object.assign(abs, {
    totalRAMUsed: used.ramMb,
    totalCoresUsed: used.cores,
    totalInstancesUsed: used.instances,
  });
  if (!atLeast(ctx, 36))
    Object.assign(abs, { totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0 });
  abs.totalServerGroupsUsed = 0;
  return { status: 200, body: { limits: { rate: [], absolute: abs } } };
}

/** Builds the compute API. */
export function createNovaService(): FakeService {
  const router = new Router()
    .add('GET', '/', (ctx) => ({
      status: 200,
      body: {
        versions: [
          {
            id: 'v2.0',
            status: 'SUPPORTED',
            version: '',
            min_version: '',
            updated: '2011-01-21T11:33:21Z',
            links: [{ rel: 'self', href: `${computeUrl(ctx.origin)}/v2/` }],
          },
          { ...V21, links: [{ rel: 'self', href: `${computeUrl(ctx.origin)}/v2.1/` }] },
        ],
      },
    }))
    .add('GET', '/v2.1', (ctx) => ({
      status: 200,
      body: {
        version: {
          ...V21,
          links: [
            { rel: 'self', href: `${computeUrl(ctx.origin)}/v2.1/` },
            { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
          ],
          'media-types': [
            {
              base: 'application/json',
              type: 'application/vnd.openstack.compute+json;version=2.1',
            },
          ],
        },
      },
    }))
    .add('GET', '/v2.1/flavors', (ctx) => ({
      status: 200,
      body: {
        flavors: [...ctx.store.flavors.values()].map((f) => ({
          id: f.id,
          name: f.name,
          links: links(ctx.origin, 'flavors', f.id),
          ...(atLeast(ctx, 55) ? { description: null } : {}),
        })),
      },
    }))
    .add('GET', '/v2.1/flavors/detail', (ctx) => ({
      status: 200,
      body: { flavors: [...ctx.store.flavors.values()].map((f) => flavorDetailView(ctx, f)) },
    }))
    .add('GET', '/v2.1/flavors/{id}', (ctx) => ({ status: 200, body: { flavor: findFlavor(ctx) } }))
    .add('GET', '/v2.1/flavors/{id}/os-extra_specs', (ctx) => {
      findFlavor(ctx);
      return { status: 200, body: { extra_specs: {} } };
    })
    .add(
      'GET',
      '/v2.1/images',
      imageProxy((ctx) => ({
        status: 200,
        body: { images: visibleImages(ctx).map((i) => proxyImageView(ctx, i, false)) },
      })),
    )
    .add(
      'GET',
      '/v2.1/images/detail',
      imageProxy((ctx) => ({
        status: 200,
        body: { images: visibleImages(ctx).map((i) => proxyImageView(ctx, i, true)) },
      })),
    )
    .add(
      'GET',
      '/v2.1/images/{id}',
      imageProxy((ctx) => {
        const img = visibleImages(ctx).find((i) => i.id === ctx.params.id);
        if (img === undefined) throw new ApiError(404, 'Image not found.');
        return { status: 200, body: { image: proxyImageView(ctx, img, true) } };
      }),
    )
    .add('GET', '/v2.1/os-availability-zone', (ctx) => ({
      status: 200,
      body: {
        availabilityZoneInfo: ctx.store.availabilityZones.map((z) => ({
          zoneName: z,
          zoneState: { available: true },
          hosts: null,
        })),
      },
    }))
    .add('GET', '/v2.1/limits', limits);
  addServerRoutes(router);
  addServerExtraRoutes(router);
  const kinds: Record<number, string> = {
    400: 'badRequest',
    403: 'forbidden',
    404: 'itemNotFound',
    409: 'conflict',
    413: 'overLimit',
  };
  return {
    name: 'compute',
    prefix: '/compute',
    router,
    isPublic: (method, path) =>
      method === 'GET' && (path === '/' || path === '' || /^\/v2\.1\/?$/.test(path)),
    parseMicroversion,
    errorBody: (err) => ({
      [kinds[err.status] ?? 'computeFault']: { code: err.status, message: err.message },
    }),
    headers: (ctx, requestId) => {
      const v = `${ctx.microversion[0]}.${ctx.microversion[1]}`;
      return {
        'X-Compute-Request-Id': requestId,
        'OpenStack-API-Version': `compute ${v}`,
        'X-OpenStack-Nova-API-Version': v,
        Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
      };
    },
  };
}
