import { describe, expect, it } from 'vitest';
import { dibCommand } from '../../../src/builder/index.js';
import type { CompiledDiskImage } from '../../../src/config/index.js';

function diskimage(over: Partial<CompiledDiskImage> = {}): CompiledDiskImage {
  return {
    name: 'fake-image',
    elements: ['fedora', 'vm'],
    release: '21',
    rebuildAgeMs: 86_400_000,
    envVars: { TMPDIR: '/opt/dib_tmp' },
    pause: false,
    imageTypes: ['qcow2'],
    ...over,
  };
}

describe('dibCommand', () => {
  it('builds upstream argv for a qcow2 image (docs/behaviour.md#running-disk-image-create example)', () => {
    const cmd = dibCommand({
      dibCmd: 'disk-image-create',
      diskimage: diskimage(),
      imagesDir: '/opt/nodepool_dib',
      buildId: '0000000001',
      baseEnv: {},
    });
    expect(cmd.argv).toEqual([
      'disk-image-create',
      '-x',
      '-t',
      'qcow2',
      '--checksum',
      '--no-tmpfs',
      '--qemu-img-options',
      'compat=0.10',
      '-o',
      '/opt/nodepool_dib/fake-image-0000000001',
      'fedora',
      'vm',
    ]);
    expect(cmd.outputBase).toBe('/opt/nodepool_dib/fake-image-0000000001');
  });

  it('joins every type with commas and passes qemu options only when qcow2 is among them', () => {
    const both = dibCommand({
      dibCmd: 'dib',
      diskimage: diskimage({ imageTypes: ['qcow2', 'vhd'] }),
      imagesDir: 'images',
      buildId: '0000000002',
      baseEnv: {},
    });
    expect(both.argv.slice(0, 4)).toEqual(['dib', '-x', '-t', 'qcow2,vhd']);
    expect(both.argv).toContain('--qemu-img-options');
    const vhd = dibCommand({
      dibCmd: 'dib',
      diskimage: diskimage({ imageTypes: ['vhd'], elements: [] }),
      imagesDir: 'images',
      buildId: '0000000003',
      baseEnv: {},
    });
    expect(vhd.argv).toEqual([
      'dib',
      '-x',
      '-t',
      'vhd',
      '--checksum',
      '--no-tmpfs',
      '-o',
      'images/fake-image-0000000003',
    ]);
  });

  it('keeps an element with spaces as one argument', () => {
    const cmd = dibCommand({
      dibCmd: 'dib',
      diskimage: diskimage({ elements: ['my element'] }),
      imagesDir: '/i',
      buildId: '0000000001',
      baseEnv: {},
    });
    expect(cmd.argv.at(-1)).toBe('my element');
  });

  it('sets the DIB variables over the inherited environment, env-vars last', () => {
    const cmd = dibCommand({
      dibCmd: 'dib',
      diskimage: diskimage({ release: '', envVars: { DIB_IMAGE_NAME: 'override', FOO: 'bar' } }),
      imagesDir: '/i',
      elementsDir: '/etc/nodepool/elements',
      buildId: '0000000009',
      baseEnv: { PATH: '/usr/bin', ELEMENTS_PATH: '/old', UNSET: undefined },
    });
    expect(cmd.env).toEqual({
      PATH: '/usr/bin',
      ELEMENTS_PATH: '/etc/nodepool/elements',
      DIB_RELEASE: '',
      DIB_IMAGE_NAME: 'override',
      DIB_IMAGE_FILENAME: '/i/fake-image-0000000009',
      FOO: 'bar',
    });
  });

  it('keeps an inherited ELEMENTS_PATH when elements-dir is unset', () => {
    const cmd = dibCommand({
      dibCmd: 'dib',
      diskimage: diskimage(),
      imagesDir: '/i',
      buildId: '1',
      baseEnv: { ELEMENTS_PATH: '/old' },
    });
    expect(cmd.env.ELEMENTS_PATH).toBe('/old');
  });
});
