import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffProviders, loadConfig } from '../../../src/config/index.js';
import type { CompiledConfig } from '../../../src/config/index.js';
import { writeCompatFixture } from '../../support/compat-fixtures.js';

async function load(name: string): Promise<CompiledConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'nodepool-diff-'));
  return loadConfig(writeCompatFixture(name, { dir }), { cwd: dir, env: { HOME: dir } });
}

describe('diffProviders', () => {
  it('keeps every provider of an identical configuration loaded twice', async () => {
    expect(diffProviders(await load('node.yaml'), await load('node.yaml'))).toEqual({
      unchanged: ['fake-provider'],
      changed: [],
      added: [],
      removed: [],
    });
  });

  it('treats everything as added on the first load', async () => {
    expect(diffProviders(undefined, await load('node.yaml')).added).toEqual(['fake-provider']);
  });

  it('adds and removes providers (node_two_provider.yaml)', async () => {
    const one = await load('node.yaml');
    const two = await load('node_two_provider.yaml');
    expect(diffProviders(one, two)).toEqual({
      unchanged: ['fake-provider'],
      changed: [],
      added: ['fake-provider2'],
      removed: [],
    });
    expect(diffProviders(two, one).removed).toEqual(['fake-provider2']);
  });

  it('marks a provider changed when a compiled setting differs (image-type vhd)', async () => {
    expect(diffProviders(await load('node.yaml'), await load('node_vhd.yaml')).changed).toEqual([
      'fake-provider',
    ]);
  });

  it('marks a provider changed when one of its images changes (pause)', async () => {
    const d = diffProviders(
      await load('node_two_image.yaml'),
      await load('node_image_upload_pause.yaml'),
    );
    expect(d.changed).toEqual(['fake-provider']);
  });
});
