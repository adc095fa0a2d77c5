/**
 * SSH seams for tests: every node's SSH redirected to one endpoint (a test sshd standing in
 * for all servers of a fake cloud), or faked in memory. Only tests and the quickstart build
 * these; the shipped daemon always composes real SSH.
 */
import { connectSsh, directSsh, fakeSsh } from '../../src/ssh/index.js';
import type { SshConnector } from '../../src/ssh/index.js';
import type { SshSeam } from '../../src/launcher/index.js';

/** Sends every node's SSH to `host:port`, whatever the node's address. */
export function redirectSsh(host: string, port: number): SshConnector {
  return { connect: (_address, options) => connectSsh(host, { ...options, port }) };
}

/** A seam whose every node is reached at `host:port`; `extra` sets the remote dirs etc. */
export function redirectSeam(
  host: string,
  port: number,
  extra: Omit<SshSeam, 'connector'> = {},
): SshSeam {
  const connector = redirectSsh(host, port);
  return { ...extra, connector: () => connector };
}

/** A seam faking every node's SSH in memory. */
export const FAKE_SSH_SEAM: SshSeam = Object.freeze({ connector: () => fakeSsh });

/** Every node reached on its own address, on `port` instead of 22 (a fake cloud's `sshPort`). */
export function portSeam(port: number, extra: Omit<SshSeam, 'connector'> = {}): SshSeam {
  const connector: SshConnector = {
    connect: (address, options) => directSsh.connect(address, { ...options, port }),
  };
  return { ...extra, connector: () => connector };
}
