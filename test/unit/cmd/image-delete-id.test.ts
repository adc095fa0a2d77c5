import { describe, expect, it } from 'vitest';
import { uploadRefCandidates } from '../../../src/cmd/nodepool/image-delete.js';

describe('uploadRefCandidates', () => {
  it('splits IMAGE-BUILD_ID-PROVIDER-UPLOAD_ID when names hold dashes', () => {
    expect(uploadRefCandidates('dib-centos-7-0000000001-my-cloud-0000000002')).toEqual([
      {
        image: 'dib-centos-7',
        buildId: '0000000001',
        provider: 'my-cloud',
        uploadId: '0000000002',
      },
    ]);
  });

  it('lists every split a name full of ids allows', () => {
    expect(uploadRefCandidates('a-0000000001-b-0000000002-c-0000000003')).toEqual([
      { image: 'a', buildId: '0000000001', provider: 'b-0000000002-c', uploadId: '0000000003' },
      { image: 'a-0000000001-b', buildId: '0000000002', provider: 'c', uploadId: '0000000003' },
    ]);
  });

  it('finds nothing in other text', () => {
    expect(uploadRefCandidates('fake-image-0000000001')).toEqual([]);
    expect(uploadRefCandidates('x-1-y-2')).toEqual([]);
  });
});
