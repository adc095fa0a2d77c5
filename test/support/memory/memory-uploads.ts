/** The launcher's image source port (`UploadSource`) in memory: ready uploads by image and provider. */
import type { UploadSource } from '../../../src/launcher/image-source.js';
import type { ImageUpload } from '../../../src/zk/index.js';

/** Ready uploads; `set` plays the builder finishing one. */
export class MemoryUploads implements UploadSource {
  private readonly uploads = new Map<string, ImageUpload>();
  private nextId = 1;

  /** Records a `ready` upload of `image` to `provider` with the cloud image id `externalId`. */
  set(image: string, provider: string, externalId: string): ImageUpload {
    const upload: ImageUpload = {
      image,
      buildId: '0000000001',
      provider,
      id: String(this.nextId++).padStart(10, '0'),
      state: 'ready',
      stateTime: Math.floor(Date.now() / 1000),
      externalId,
      externalName: `${image}-${externalId}`,
      extra: {},
      version: 0,
    };
    this.uploads.set(`${image}\0${provider}`, upload);
    return upload;
  }

  /** Forgets the upload (the builder deleted it). */
  remove(image: string, provider: string): void {
    this.uploads.delete(`${image}\0${provider}`);
  }

  get(
    image: string,
    provider: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ImageUpload | null> {
    options.signal?.throwIfAborted();
    return Promise.resolve(this.uploads.get(`${image}\0${provider}`) ?? null);
  }
}
