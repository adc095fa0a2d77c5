import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findBuildFiles,
  readChecksums,
  removeBuildFiles,
  scanImagesDir,
  splitImageFileName,
} from '../../../src/builder/index.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'np-images-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function touch(name: string, text = 'x'): void {
  writeFileSync(path.join(dir, name), text);
}

describe('image files', () => {
  it('splits names at the last dot (upstream DibImageFile.from_path)', () => {
    expect(splitImageFileName('myid1234.qcow2')).toEqual({ base: 'myid1234', extension: 'qcow2' });
    expect(splitImageFileName('a-0000000001.qcow2.md5')).toEqual({
      base: 'a-0000000001.qcow2',
      extension: 'md5',
    });
    expect(splitImageFileName('nodot')).toBeNull();
  });

  it('finds a build by id, ignoring checksums, directories and dot-less files', async () => {
    for (const f of [
      'myid1234.qcow2',
      'myid1234.raw',
      'myid1234.qcow2.md5',
      'README',
      'other-1.vhd',
    ])
      touch(f);
    mkdirSync(path.join(dir, 'myid1234.d'));
    const files = await findBuildFiles(dir, 'myid1234');
    expect(files.map((f) => f.extension)).toEqual(['qcow2', 'raw']);
    expect([...(await scanImagesDir(dir)).keys()].sort()).toEqual([
      'myid1234',
      'myid1234.qcow2',
      'other-1',
    ]);
    expect(await scanImagesDir(path.join(dir, 'missing'))).toEqual(new Map());
  });

  it('reads the checksum prefixes dib writes', async () => {
    touch('i-1.qcow2');
    touch('i-1.qcow2.md5', '10DA41D43D4BD6D67DB763616C18B72F  i-1.qcow2\n');
    expect(await readChecksums(path.join(dir, 'i-1.qcow2'))).toEqual({
      md5: '10da41d43d4bd6d67db763616c18b72f',
    });
  });

  it('removes images, checksums and the manifest dir, also without an image file', async () => {
    for (const f of ['i-1.qcow2', 'i-1.qcow2.md5', 'i-1.qcow2.sha256', 'i-1.vhd.md5', 'i-2.qcow2'])
      touch(f);
    mkdirSync(path.join(dir, 'i-1.d', 'sub'), { recursive: true });
    expect(await removeBuildFiles(dir, 'i-1', ['qcow2', 'vhd'])).toBe(1);
    expect(readdirSync(dir)).toEqual(['i-2.qcow2']);
    mkdirSync(path.join(dir, 'i-3.d'));
    expect(await removeBuildFiles(dir, 'i-3')).toBe(0);
    expect(readdirSync(dir)).toEqual(['i-2.qcow2']);
  });
});
