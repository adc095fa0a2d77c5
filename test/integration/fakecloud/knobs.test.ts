import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { login, request, waitFor } from './helpers.js';

describe('FakeCloud knobs', () => {
  const cloud = new FakeCloud({ buildDelayMs: 10 });
  let token = '';
  let imageId = '';
  const boot = (name = 'k') =>
    request(cloud, 'POST', '/compute/v2.1/servers', {
      token,
      body: { server: { name, imageRef: imageId, flavorRef: '1' } },
    });
  const show = (id: string) => request(cloud, 'GET', `/compute/v2.1/servers/${id}`, { token });

  beforeAll(async () => {
    await cloud.start();
    token = await login(cloud);
    imageId = (await request(cloud, 'GET', '/image/v2/images', { token })).body.images[0].id;
  });
  afterAll(() => cloud.stop());

  it('keeps a server in BUILD for the build delay', async () => {
    cloud.setKnobs({ buildDelayMs: 600_000 });
    try {
      const id = (await boot()).body.server.id;
      const res = await show(id);
      expect(res.body.server).toMatchObject({
        status: 'BUILD',
        'OS-EXT-STS:vm_state': 'building',
        addresses: {},
      });
    } finally {
      cloud.setKnobs({ buildDelayMs: 10 });
    }
  });

  it('takes its own floating IP back with the server, and gives none to a server being deleted', async () => {
    const fips = async () =>
      (await request(cloud, 'GET', '/network/v2.0/floatingips', { token })).body
        .floatingips as Array<{ id: string }>;
    const before = (await fips()).length;
    // Deleted while still building: the build finishing later must not assign an address.
    cloud.setKnobs({ buildDelayMs: 200, deleteDelayMs: 600 });
    try {
      const early = (await boot('early')).body.server.id;
      expect(
        (await request(cloud, 'DELETE', `/compute/v2.1/servers/${early}`, { token })).status,
      ).toBe(204);
      await waitFor(async () => (await show(early)).status === 404);
      expect((await fips()).length).toBe(before);
      // Deleted once ACTIVE with its auto-assigned address: the address goes too.
      cloud.setKnobs({ buildDelayMs: 10, deleteDelayMs: 0 });
      const late = (await boot('late')).body.server.id;
      await waitFor(async () => (await show(late)).body.server?.status === 'ACTIVE');
      expect((await fips()).length).toBe(before + 1);
      expect(
        (await request(cloud, 'DELETE', `/compute/v2.1/servers/${late}`, { token })).status,
      ).toBe(204);
      await waitFor(async () => (await show(late)).status === 404);
      expect((await fips()).length).toBe(before);
    } finally {
      cloud.setKnobs({ buildDelayMs: 10, deleteDelayMs: 0 });
    }
  });

  it('keeps a deleted server listed with task_state deleting for the delete delay', async () => {
    cloud.setKnobs({ deleteDelayMs: 600_000 });
    try {
      const id = (await boot()).body.server.id;
      expect(
        (await request(cloud, 'DELETE', `/compute/v2.1/servers/${id}`, { token })).status,
      ).toBe(204);
      expect((await show(id)).body.server['OS-EXT-STS:task_state']).toBe('deleting');
    } finally {
      cloud.setKnobs({ deleteDelayMs: 0 });
    }
  });

  it('fails creates with HTTP 500 computeFault in http mode', async () => {
    cloud.failNext('create', 1, 'http');
    const res = await boot();
    expect(res.status).toBe(500);
    expect(res.body.computeFault.code).toBe(500);
    expect((await boot()).status).toBe(202);
  });

  it('puts a server in ERROR with a fault in error mode', async () => {
    cloud.failNext('create', 1, 'error');
    const id = (await boot()).body.server.id;
    const res = await waitFor(async () => {
      const r = await show(id);
      return r.body.server.status === 'ERROR' ? r : null;
    });
    expect(res.body.server.fault).toMatchObject({
      code: 500,
      message: expect.stringContaining('No valid host'),
    });
    expect(res.body.server.addresses).toEqual({});
    expect((await request(cloud, 'DELETE', `/compute/v2.1/servers/${id}`, { token })).status).toBe(
      204,
    );
    expect((await show(id)).status).toBe(404);
  });

  it('fails deletes either with 500 or by leaving the server in ERROR', async () => {
    const id = (await boot()).body.server.id;
    cloud.failNext('delete', 1, 'http');
    expect((await request(cloud, 'DELETE', `/compute/v2.1/servers/${id}`, { token })).status).toBe(
      500,
    );
    cloud.failNext('delete', 1, 'error');
    expect((await request(cloud, 'DELETE', `/compute/v2.1/servers/${id}`, { token })).status).toBe(
      204,
    );
    expect((await show(id)).body.server).toMatchObject({
      status: 'ERROR',
      'OS-EXT-STS:task_state': null,
    });
    expect((await request(cloud, 'DELETE', `/compute/v2.1/servers/${id}`, { token })).status).toBe(
      204,
    );
    expect((await show(id)).status).toBe(404);
  });

  it('fails every create at failure rate 1 and none at 0', async () => {
    cloud.setKnobs({ createFailureRate: 1, failureMode: 'http' });
    try {
      expect((await boot()).status).toBe(500);
    } finally {
      cloud.setKnobs({ createFailureRate: 0, failureMode: 'error' });
    }
    expect((await boot()).status).toBe(202);
  });

  it('delays answers by the latency knob', async () => {
    cloud.setKnobs({ latencyMs: 600_000 });
    try {
      await expect(
        request(cloud, 'GET', '/compute/v2.1/flavors', { token, signal: AbortSignal.timeout(200) }),
      ).rejects.toThrow();
    } finally {
      cloud.setKnobs({ latencyMs: 0 });
    }
  });

  it('refuses a bad knob with a message naming it', () => {
    expect(() => cloud.setKnobs({ createFailureRate: 2 })).toThrow(RangeError);
    expect(() => cloud.setKnobs({ createFailureRate: 2 })).toThrow(
      'Cannot set fake cloud knob "createFailureRate": must be a number from 0 to 1: current value is 2',
    );
  });

  it('is driven over the /_fake control API: knobs, failures, dump with call counts, reset', async () => {
    const patched = await request(cloud, 'PATCH', '/_fake/knobs', {
      body: { quota: { instances: 0 } },
    });
    expect(patched.body.knobs.quota.instances).toBe(0);
    expect((await boot()).status).toBe(403);
    const bad = await request(cloud, 'PATCH', '/_fake/knobs', { body: { nope: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('Cannot set fake cloud knob "nope": unknown knob');
    await request(cloud, 'PATCH', '/_fake/knobs', { body: { quota: { instances: 500 } } });
    await request(cloud, 'POST', '/_fake/fail', { body: { create: 1, mode: 'http' } });
    expect((await boot()).status).toBe(500);
    const state = await request(cloud, 'GET', '/_fake/state');
    expect(state.body.servers.length).toBeGreaterThan(0);
    expect(state.body.calls['compute POST /v2.1/servers']).toBeGreaterThan(0);
    expect(cloud.calls()['identity POST /v3/auth/tokens']).toBe(1);
    expect((await request(cloud, 'POST', '/_fake/reset')).status).toBe(204);
    const after = cloud.snapshot();
    expect(after.servers).toEqual([]);
    expect(after.tokens).toBe(0);
    expect(after.calls).toEqual({});
    token = await login(cloud);
    imageId = (await request(cloud, 'GET', '/image/v2/images', { token })).body.images[0].id;
  });
});
