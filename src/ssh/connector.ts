/**
 * How nodes are reached over SSH, chosen once where a daemon is composed (never by looking
 * at a node's address): {@link directSsh} connects to the node's own address, port 22;
 * {@link fakeSsh} answers every step in memory, as upstream 0.4.0's `FakeSSHClient` did for
 * servers of an `auth-url: fake` provider. Tests and the quickstart may pass others.
 */
import { FakeSshSession } from './fake.js';
import type { SshSession } from './session.js';
import { connectSsh } from './wait.js';
import type { WaitForSshOptions } from './wait.js';

/** Opens sessions to nodes. */
export interface SshConnector {
  /**
   * Connects to the node at `address` as soon as its SSH answers (retrying until
   * `options.timeoutMs`), runs the access check, and returns the open session.
   * @throws as {@link connectSsh}
   */
  connect(address: string, options: WaitForSshOptions): Promise<SshSession>;
}

/** Real SSH to the node's address (port 22 unless `options.port` says otherwise). */
export const directSsh: SshConnector = Object.freeze({
  connect: (address: string, options: WaitForSshOptions) => connectSsh(address, options),
});

/** An in-memory session for every node (Compat: upstream's fake provider). */
export const fakeSsh: SshConnector = Object.freeze({
  connect: (address: string, options: WaitForSshOptions): Promise<SshSession> => {
    options.signal?.throwIfAborted();
    return Promise.resolve(new FakeSshSession(address, options.port ?? 22));
  },
});
