/** Helpers shared by the SSH integration tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { sshdUnavailableReason } from '../../support/sshd.js';

/** A debug-level logger whose JSON lines are kept in `lines`. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

/** A temp dir removed by the returned function. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Number of open TCP sockets in this process. */
export function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

/** Why the sshd suites are skipped, printed once per file, or null. */
export async function sshdSkipReason(): Promise<string | null> {
  const reason = await sshdUnavailableReason();
  if (reason !== null)
    process.stderr.write(`\n*** SKIPPED: sshd integration tests: ${reason} ***\n\n`);
  return reason;
}
