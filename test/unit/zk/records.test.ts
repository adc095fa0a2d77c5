import { describe, expect, it } from 'vitest';
import {
  buildWithState,
  decodeBuild,
  decodeUpload,
  encodeBuild,
  encodeUpload,
  uploadWithState,
} from '../../../src/zk/index.js';

const at = { path: '/p', image: 'img', id: '0000000001', version: 3 };
const uat = {
  path: '/u',
  image: 'img',
  buildId: '0000000001',
  provider: 'p1',
  id: '0000000002',
  version: 0,
};

describe('build records', () => {
  it('encodes state, float state_time, builder and comma-joined formats', () => {
    expect(
      encodeBuild({
        state: 'ready',
        stateTime: 1484160012.35,
        builder: 'nb01',
        formats: ['qcow2', 'vhd'],
      }).toString(),
    ).toBe(
      '{"state": "ready", "state_time": 1484160012.35, "builder": "nb01", "formats": "qcow2,vhd"}',
    );
    expect(
      encodeBuild({ state: 'failed', stateTime: 7, builder: null, formats: [] }).toString(),
    ).toBe('{"state": "failed", "state_time": 7.0}');
  });

  it('writes the current time in seconds when no state_time is given', () => {
    const before = Date.now() / 1000;
    const t = JSON.parse(encodeBuild({ state: 'building' }).toString()).state_time as number;
    expect(t).toBeGreaterThanOrEqual(Math.floor(before));
    expect(t).toBeLessThan(before + 60);
  });

  it('decodes missing keys as null and keeps unknown keys', () => {
    const b = decodeBuild(Buffer.from('{"state_time": 1, "formats": "", "builder_id": "z"}'), at);
    expect(b).toEqual({
      image: 'img',
      id: '0000000001',
      state: null,
      stateTime: 1,
      builder: null,
      formats: [],
      extra: { builder_id: 'z' },
      version: 3,
    });
    expect(buildWithState(b, 'deleting', 9)).toEqual({
      state: 'deleting',
      stateTime: 9,
      builder: null,
      formats: [],
      extra: { builder_id: 'z' },
    });
  });

  it('rejects data that is not a JSON object, naming the znode', () => {
    expect(() => decodeBuild(Buffer.from('[1]'), at)).toThrow(
      'Cannot read record "/p": expected a JSON object',
    );
    expect(() => decodeBuild(Buffer.from(''), at)).toThrow('Cannot read record "/p": invalid JSON');
  });
});

describe('upload records', () => {
  it('always writes external_id and external_name, null when unknown', () => {
    expect(encodeUpload({ state: 'uploading', stateTime: 1484160020.1 }).toString()).toBe(
      '{"state": "uploading", "state_time": 1484160020.1, "external_id": null, "external_name": null}',
    );
  });

  it('round-trips and keeps the external fields on a state change', () => {
    const data = Buffer.from(
      '{"state": "ready", "state_time": 1484160311.9, "external_id": "8d1c", "external_name": "t-1", "format": "qcow2"}',
    );
    const u = decodeUpload(data, uat);
    expect(u).toMatchObject({
      provider: 'p1',
      buildId: '0000000001',
      id: '0000000002',
      externalId: '8d1c',
      externalName: 't-1',
      extra: { format: 'qcow2' },
    });
    expect(encodeUpload(uploadWithState(u, 'deleting', 2)).toString()).toBe(
      '{"state": "deleting", "state_time": 2.0, "external_id": "8d1c", "external_name": "t-1", "format": "qcow2"}',
    );
  });
});
