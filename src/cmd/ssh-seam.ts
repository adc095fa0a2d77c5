/**
 * The SSH seam the shipped commands compose: real SSH to every node's own address. Servers
 * of an `auth-url: fake` provider get upstream 0.4.0's in-memory session (its fake provider
 * had no servers to reach). Tests and the quickstart pass another seam to `main()`.
 */
import type { SshSeam } from '../launcher/index.js';
import { directSsh, fakeSsh } from '../ssh/index.js';

export const SHIPPED_SSH_SEAM: SshSeam = Object.freeze({
  connector: (provider: Parameters<NonNullable<SshSeam['connector']>>[0]) =>
    provider.cloud.isFake ? fakeSsh : directSsh,
});
