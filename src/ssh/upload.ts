/** The file selection shared by every {@link SshSession.uploadDirectory} implementation. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { UploadOptions } from './session.js';

/** Writes one file to the node. */
export type UploadWriter = (remotePath: string, data: Buffer, mode: number) => Promise<void>;

/**
 * Calls `write` for each regular file directly inside `localDir` (sorted by name), with its
 * remote path under `remoteDir` and its mode. Returns the names written.
 */
export async function uploadFiles(
  localDir: string,
  remoteDir: string,
  options: UploadOptions,
  write: UploadWriter,
): Promise<string[]> {
  const copied: string[] = [];
  const base = remoteDir.replace(/\/+$/, '');
  for (const name of (await readdir(localDir)).sort()) {
    const local = path.join(localDir, name);
    const st = await stat(local);
    if (!st.isFile()) continue;
    options.signal?.throwIfAborted();
    await write(`${base}/${name}`, await readFile(local), options.mode ?? st.mode & 0o777);
    copied.push(name);
  }
  return copied;
}
