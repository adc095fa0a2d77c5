/**
 * Test and demo seam shared by nodepoold and `nodepool image-update`:
 * `NODEPOOLD_SSH_TARGET=fake` fakes every server's SSH (as upstream's fake cloud did),
 * `NODEPOOLD_SSH_TARGET=host:port` sends every server's SSH there (one local sshd standing in
 * for all servers of a fake cloud). Unset in production.
 */
import type { SshSeam } from '../launcher/index.js';

/** The seam named by `NODEPOOLD_SSH_TARGET`, or undefined when it is unset. */
export function sshSeamFromEnv(env: NodeJS.ProcessEnv): SshSeam | undefined {
  const value = env['NODEPOOLD_SSH_TARGET'];
  if (value === undefined || value === '') return undefined;
  if (value === 'fake') return { target: (ip) => ({ host: `fake-${ip}` }) };
  const m = /^(.+):(\d+)$/.exec(value);
  const host = m?.[1] ?? value;
  const port = m?.[2] === undefined ? 22 : Number(m[2]);
  return { target: () => ({ host, port }) };
}
