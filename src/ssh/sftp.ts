/**
 * Promise wrappers over the ssh2 SFTP calls the session needs. Each failure becomes an
 * ERR_SSH_SFTP error naming the host, the path and the operation.
 */
import type { SFTPWrapper, Stats } from 'ssh2';
import type { NodepoolError } from '../errors.js';
import { sftpError } from './errors.js';

/** Size of one SFTP write request; below ssh2's packet limit. */
const CHUNK = 32 * 1024;

function fail(host: string, op: string, remotePath: string, err: unknown): NodepoolError {
  const reason = err instanceof Error ? err.message : String(err);
  return sftpError(`Cannot ${op} "${remotePath}" on ${host} over SFTP: ${reason}`, {
    host,
    path: remotePath,
    operation: op,
    cause: err,
  });
}

function call<T>(
  host: string,
  op: string,
  remotePath: string,
  fn: (cb: (err: unknown, v?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, v) => (err ? reject(fail(host, op, remotePath, err)) : resolve(v as T)));
    } catch (err) {
      reject(fail(host, op, remotePath, err));
    }
  });
}

/** Writes `data` to `remotePath` (create or truncate), setting `mode` before the content. */
export async function sftpWriteFile(
  sftp: SFTPWrapper,
  host: string,
  remotePath: string,
  data: Buffer,
  mode: number | undefined,
): Promise<void> {
  const attrs = mode === undefined ? {} : { mode };
  const handle = await call<Buffer>(host, 'open', remotePath, (cb) =>
    sftp.open(remotePath, 'w', attrs, cb),
  );
  let failure: unknown = null;
  try {
    // Compat fix: upstream left id_rsa at the remote default mode; an existing file keeps its
    // old mode on open, so chmod before any secret is written.
    if (mode !== undefined)
      await call(host, 'chmod', remotePath, (cb) => sftp.fchmod(handle, mode, cb));
    for (let off = 0; off < data.length; off += CHUNK) {
      const len = Math.min(CHUNK, data.length - off);
      await call(host, 'write', remotePath, (cb) => sftp.write(handle, data, off, len, off, cb));
    }
  } catch (err) {
    failure = err;
  }
  try {
    await call(host, 'close', remotePath, (cb) => sftp.close(handle, cb));
  } catch (err) {
    failure ??= err;
  }
  if (failure !== null) throw failure;
}

/** Returns the stats of `remotePath`, or null when it does not exist. */
export async function sftpStat(
  sftp: SFTPWrapper,
  host: string,
  remotePath: string,
): Promise<Stats | null> {
  try {
    return await call<Stats>(host, 'stat', remotePath, (cb) => sftp.stat(remotePath, cb));
  } catch (err) {
    // SFTP status 2 is "no such file".
    if (
      (err as NodepoolError).cause instanceof Error &&
      ((err as NodepoolError).cause as { code?: unknown }).code === 2
    ) {
      return null;
    }
    throw err;
  }
}

/** Creates `remotePath` and any missing parents. */
export async function sftpMkdirp(
  sftp: SFTPWrapper,
  host: string,
  remotePath: string,
  mode: number,
): Promise<void> {
  const isAbsolute = remotePath.startsWith('/');
  const parts = remotePath.split('/').filter((p) => p !== '' && p !== '.');
  let current = isAbsolute ? '' : '.';
  for (const part of parts) {
    current = `${current}/${part}`;
    const dir = isAbsolute ? current : current.slice(2);
    const st = await sftpStat(sftp, host, dir);
    if (st !== null) {
      if (!st.isDirectory())
        throw fail(host, 'create directory', remotePath, new Error(`"${dir}" is not a directory`));
      continue;
    }
    try {
      await call(host, 'create directory', dir, (cb) => sftp.mkdir(dir, { mode }, cb));
    } catch (err) {
      // Another writer may have created it in between.
      const again = await sftpStat(sftp, host, dir);
      if (again === null || !again.isDirectory()) throw err;
    }
  }
}
