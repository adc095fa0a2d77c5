import { describe, expect, it } from 'vitest';
import {
  nodepoolMetadata,
  parseNodepoolMetadata,
  ResourceNotFoundError,
  UnauthorizedError,
} from '../../../src/provider/index.js';
import { cloudMessage, errorFromStatus } from '../../../src/provider/openstack/http.js';
import {
  ListedUsageCache,
  RecentCreates,
  quotaInfo,
  quotaShortfall,
} from '../../../src/provider/openstack/quota.js';
import type { NovaFlavor, NovaServer } from '../../../src/provider/openstack/nova.js';
import { toServerInfo } from '../../../src/provider/openstack/server-info.js';
import { glanceBase } from '../../../src/provider/openstack/glance.js';
import { neutronBase } from '../../../src/provider/openstack/neutron.js';

const ctx = { provider: 'p', service: 'compute', timeoutMs: 1000 };

describe('nodepoolMetadata', () => {
  it('writes groups and nodepool as upstream JSON strings', () => {
    expect(nodepoolMetadata('rax', { nodeId: 7, imageName: 'trusty' })).toEqual({
      groups: '["rax", "trusty"]',
      nodepool: '{"provider_name": "rax", "node_id": 7, "image_name": "trusty"}',
    });
    expect(
      parseNodepoolMetadata({
        nodepool: '{"provider_name": "rax", "node_id": 7, "image_name": "trusty"}',
      }),
    ).toEqual({
      providerName: 'rax',
      nodeId: 7,
      imageName: 'trusty',
    });
  });

  it('escapes a non-ASCII provider or image name as upstream json.dumps does (ensure_ascii)', () => {
    // Bytes from: python3 -c 'import json; print(json.dumps({"provider_name": "fournisseur-é",
    //   "node_id": 7, "image_name": "镜像-ubuntu"}))'
    const meta = nodepoolMetadata('fournisseur-é', { nodeId: 7, imageName: '镜像-ubuntu' });
    expect(meta).toEqual({
      groups: '["fournisseur-\\u00e9", "\\u955c\\u50cf-ubuntu"]',
      nodepool:
        '{"provider_name": "fournisseur-\\u00e9", "node_id": 7, "image_name": "\\u955c\\u50cf-ubuntu"}',
    });
    expect(parseNodepoolMetadata(meta)).toEqual({
      providerName: 'fournisseur-é',
      nodeId: 7,
      imageName: '镜像-ubuntu',
    });
  });

  it('reads nothing from foreign or broken metadata', () => {
    expect(parseNodepoolMetadata({})).toBeNull();
    expect(parseNodepoolMetadata({ nodepool: 'not json' })).toBeNull();
    expect(parseNodepoolMetadata({ nodepool: '{"node_id": 1}' })).toBeNull();
  });
});

describe('errorFromStatus', () => {
  it('maps statuses and quota bodies to error classes with the request id', () => {
    const nova404 = '{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}';
    const e = errorFromStatus(ctx, 'get server "x"', 404, nova404, 'req-1');
    expect(e).toBeInstanceOf(ResourceNotFoundError);
    expect(e.message).toBe(
      'Cannot get server "x" in provider "p": compute answered 404: Instance x could not be found. (request req-1)',
    );
    expect(e.requestId).toBe('req-1');
    const quota =
      '{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances"}}';
    expect(errorFromStatus(ctx, 'a', 403, quota)).toMatchObject({
      code: 'ERR_PROVIDER_QUOTA',
      statsKey: 'error.quota',
    });
    expect(
      errorFromStatus(
        ctx,
        'a',
        409,
        '{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded", "detail": ""}}',
      ),
    ).toMatchObject({ code: 'ERR_PROVIDER_QUOTA', statsKey: 'error.quota' });
    expect(errorFromStatus(ctx, 'a', 413, '')).toMatchObject({
      code: 'ERR_PROVIDER_QUOTA',
      statsKey: 'error.quota',
    });
    expect(
      errorFromStatus(
        ctx,
        'a',
        401,
        '{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}',
      ),
    ).toBeInstanceOf(UnauthorizedError);
    expect(
      errorFromStatus(ctx, 'a', 409, '{"conflictingRequest": {"message": "busy"}}'),
    ).toMatchObject({ code: 'ERR_PROVIDER_CONFLICT' });
    expect(errorFromStatus(ctx, 'a', 503, 'oops')).toMatchObject({ code: 'ERR_PROVIDER_SERVER' });
  });

  it('reads the text of Glance HTML error pages', () => {
    const html =
      '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID abc<br /><br />\n </body>\n</html>';
    expect(cloudMessage(html).message).toBe('404 Not Found No image found with ID abc');
  });
});

describe('toServerInfo', () => {
  const base = { id: 'i', name: 'n', status: 'ACTIVE', metadata: { a: 'b' } };
  it('takes floating v4 as public and fixed v4 as private', () => {
    const s = toServerInfo(
      {
        ...base,
        addresses: {
          private: [
            { addr: '127.100.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' },
            { addr: '127.200.0.9', version: 4, 'OS-EXT-IPS:type': 'floating' },
          ],
        },
      },
      { externalNetworks: new Set(['public']), ipv6Preferred: false },
    );
    expect(s).toMatchObject({
      status: 'active',
      publicIpv4: '127.200.0.9',
      privateIpv4: '127.100.0.5',
      publicIp: '127.200.0.9',
      privateIp: '127.100.0.5',
    });
  });

  it('uses fixed addresses on external networks as public and prefers v6 when asked', () => {
    const s = toServerInfo(
      {
        ...base,
        addresses: {
          public: [
            { addr: '127.200.0.3', version: 4 },
            { addr: '2001:db8::3', version: 6 },
          ],
        },
      },
      { externalNetworks: new Set(['public']), ipv6Preferred: true },
    );
    expect(s.publicIpv4).toBe('127.200.0.3');
    expect(s.publicIpv6).toBe('2001:db8::3');
    expect(s.publicIp).toBe('2001:db8::3');
    // No private address: ip_private falls back to the public v4.
    expect(s.privateIp).toBe('127.200.0.3');
  });

  it('classifies faults of servers in ERROR', () => {
    const s = toServerInfo(
      { ...base, status: 'ERROR', fault: { code: 500, message: 'No valid host was found. ' } },
      { externalNetworks: new Set(), ipv6Preferred: false },
    );
    expect(s.status).toBe('error');
    expect(s.fault).toEqual({ class: 'capacity', code: 500, message: 'No valid host was found. ' });
  });
});

describe('quota', () => {
  it('counts listed servers and in-flight creates against the limits', () => {
    const q = quotaInfo(
      { maxTotalInstances: 3, maxTotalCores: -1, maxTotalRAMSize: 4096, totalInstancesUsed: 1 },
      { instances: 2, cores: 2, ramMb: 2048 },
      { instances: 1, cores: 1, ramMb: 1024 },
    );
    expect(q).toMatchObject({ maxInstances: 3, usedInstances: 3, usedRamMb: 3072, maxCores: -1 });
    expect(quotaShortfall(q, { instances: 1, cores: 1, ramMb: 512 })).toBe(
      'the instances quota of 3 would be exceeded: 3 in use, 1 more needed',
    );
    const roomy = { ...q, maxInstances: 10 };
    expect(quotaShortfall(roomy, { instances: 1, cores: 8, ramMb: 2048 })).toBe(
      'the RAM quota of 4096 MB would be exceeded: 3072 MB in use, 2048 MB more needed',
    );
    expect(quotaShortfall(roomy, { instances: 1, cores: 8, ramMb: 1024 })).toBeNull();
  });
  it("works out a list's usage once, and again for a new list or new flavors", () => {
    const cache = new ListedUsageCache();
    const flavors = [{ id: 'f1', name: 'small', vcpus: 2, ram: 1024 }] as NovaFlavor[];
    const list = [
      { id: 'a', flavor: { id: 'f1' } },
      { id: 'b', flavor: { id: 'gone' } },
    ] as NovaServer[];
    const first = cache.of(list, flavors);
    expect(first.cost).toEqual({ instances: 2, cores: 2, ramMb: 1024 });
    expect([...first.ids]).toEqual(['a', 'b']);
    expect(cache.of(list, flavors)).toBe(first);
    const bigger = [{ id: 'f1', name: 'small', vcpus: 4, ram: 2048 }] as NovaFlavor[];
    expect(cache.of(list, bigger).cost).toEqual({ instances: 2, cores: 4, ramMb: 2048 });
    expect(cache.of([...list, { id: 'c' } as NovaServer], bigger).cost.instances).toBe(3);
  });
});

describe('RecentCreates', () => {
  const one = { instances: 1, cores: 2, ramMb: 1024 };
  it('sums the recent servers a list does not show, and keeps the sum as creates come', () => {
    const cache = new ListedUsageCache();
    const flavors = [{ id: 'f1', name: 'small', vcpus: 2, ram: 1024 }] as NovaFlavor[];
    const list = cache.of([{ id: 'a', flavor: { id: 'f1' } }] as NovaServer[], flavors);
    const recent = new RecentCreates();
    recent.add('a', one, 10);
    recent.add('b', one, 11);
    expect(recent.unlisted(list)).toEqual(one);
    recent.add('c', one, 12);
    recent.add('c', one, 12); // the same server again counts once
    expect(recent.unlisted(list)).toEqual({ instances: 2, cores: 4, ramMb: 2048 });
    recent.delete('b');
    expect(recent.unlisted(list)).toEqual(one);
    const newer = cache.of(
      [{ id: 'a' }, { id: 'c' }].map((s) => ({ ...s, flavor: { id: 'f1' } })) as NovaServer[],
      flavors,
    );
    expect(recent.unlisted(newer)).toEqual({ instances: 0, cores: 0, ramMb: 0 });
    recent.forgetUntil(11);
    expect(recent.size).toBe(1);
    expect(recent.unlisted(list)).toEqual(one);
  });
});

describe('catalog URLs', () => {
  it('adds the API version Glance and Neutron expect', () => {
    expect(glanceBase('http://h:9292')).toBe('http://h:9292/v2');
    expect(glanceBase('http://h:9292/v2/')).toBe('http://h:9292/v2');
    expect(glanceBase('http://h/image/v2.1')).toBe('http://h/image/v2');
    expect(neutronBase('http://h:9696/')).toBe('http://h:9696/v2.0');
    expect(neutronBase('http://h:9696/v2.0')).toBe('http://h:9696/v2.0');
  });
});
