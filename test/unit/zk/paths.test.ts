import { describe, expect, it } from 'vitest';
import {
  buildDisplayId,
  imageBuildLockPath,
  imageBuildNumberLockPath,
  imageBuildPath,
  imageBuildRequestPath,
  imageUploadLockPath,
  imageUploadPath,
  imageUploadsPath,
  parseBuildDisplayId,
} from '../../../src/zk/index.js';

describe('znode paths', () => {
  it('builds every path of the image tree as upstream', () => {
    expect(imageBuildRequestPath('ubuntu')).toBe('/nodepool/images/ubuntu/request-build');
    expect(imageBuildLockPath('ubuntu')).toBe('/nodepool/images/ubuntu/builds/lock');
    expect(imageBuildPath('ubuntu', '0000000001')).toBe(
      '/nodepool/images/ubuntu/builds/0000000001',
    );
    expect(imageBuildNumberLockPath('ubuntu', '0000000001')).toBe(
      '/nodepool/images/ubuntu/builds/0000000001/lock',
    );
    expect(imageUploadsPath('ubuntu', '0000000001', 'rax')).toBe(
      '/nodepool/images/ubuntu/builds/0000000001/providers/rax/images',
    );
    expect(imageUploadLockPath('ubuntu', '0000000001', 'rax')).toBe(
      '/nodepool/images/ubuntu/builds/0000000001/providers/rax/images/lock',
    );
    expect(imageUploadPath('ubuntu', '0000000001', 'rax', '0000000002')).toBe(
      '/nodepool/images/ubuntu/builds/0000000001/providers/rax/images/0000000002',
    );
  });

  it('rejects names that would change the path shape', () => {
    expect(() => imageBuildPath('a/b', '1')).toThrow('Invalid image name for a znode path: "a/b"');
    expect(() => imageBuildPath('ok', '..')).toThrow(RangeError);
    expect(() => imageUploadPath('ok', '1', '', '2')).toThrow(RangeError);
  });

  it('splits display ids at the last dash', () => {
    expect(buildDisplayId('ubuntu-trusty', '0000000004')).toBe('ubuntu-trusty-0000000004');
    expect(parseBuildDisplayId('ubuntu-trusty-0000000004')).toEqual({
      image: 'ubuntu-trusty',
      buildId: '0000000004',
    });
    expect(parseBuildDisplayId('nodash')).toBeNull();
    expect(parseBuildDisplayId('-0001')).toBeNull();
    expect(parseBuildDisplayId('image-')).toBeNull();
  });
});
