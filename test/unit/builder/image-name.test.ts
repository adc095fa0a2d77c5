import { describe, expect, it } from 'vitest';
import { formatImageName } from '../../../src/builder/index.js';
import type { CompiledProvider } from '../../../src/config/index.js';

const provider = {
  name: 'rax',
  regionName: 'DFW',
  imageType: 'vhd',
  maxServers: 10,
  rateMs: 1000,
  bootTimeoutMs: 60_000,
  launchTimeoutMs: 3_600_000,
  cleanFloatingIps: false,
  ipv6Preferred: true,
  templateHostname: 'template-{image.name}-{timestamp}',
} as unknown as CompiledProvider;

const fields = {
  imageName: 'ubuntu-trusty',
  imageId: 'ubuntu-trusty-0000000004',
  provider,
  timestamp: 1484160020,
};

describe('formatImageName', () => {
  it('formats the default template as upstream', () => {
    expect(formatImageName('template-{image.name}-{timestamp}', fields)).toBe(
      'template-ubuntu-trusty-1484160020',
    );
  });

  it('offers image.id, provider attributes and brace escapes', () => {
    expect(formatImageName('{provider.name}/{provider.region_name}/{image.id}', fields)).toBe(
      'rax/DFW/ubuntu-trusty-0000000004',
    );
    expect(formatImageName('{{x}}-{provider.ipv6_preferred}-{provider.rate}', fields)).toBe(
      '{x}-True-1',
    );
    expect(formatImageName('{provider.pool}', fields)).toBe('None');
  });

  it('rejects unknown fields, format specs and stray braces, naming the template', () => {
    for (const t of ['{image.nope}', '{timestamp:>12}', 'a}b', '{open']) {
      const err = (() => {
        try {
          formatImageName(t, fields);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toMatchObject({ code: 'ERR_BUILDER_IMAGE_NAME', details: { template: t } });
      expect((err as Error).message).toContain(`template-hostname "${t}"`);
    }
  });
});
