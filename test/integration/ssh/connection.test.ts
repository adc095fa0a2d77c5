import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SshCommandError, SshConnection } from '../../../src/ssh/index.js';
import { startSshd } from '../../support/sshd.js';
import type { Sshd } from '../../support/sshd.js';
import { waitFor } from '../../support/wait-for.js';
import { sshdSkipReason, tcpSockets, tempDir } from './helpers.js';

const skip = await sshdSkipReason();

describe.skipIf(skip !== null)('SshConnection', () => {
  let sshd: Sshd;
  let conn: SshConnection;
  beforeAll(async () => {
    sshd = await startSshd();
    conn = new SshConnection({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
    });
    await conn.start();
  });
  afterAll(async () => {
    await conn?.stop();
    await sshd?.stop();
  });

  it('returns stdout, stderr and the exit status of a command', async () => {
    const res = await conn.exec('echo out; echo err >&2; exit 3');
    expect(res).toEqual({ exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
    expect((await conn.exec('true')).exitCode).toBe(0);
  });

  it('passes stdin and merges stderr into stdout with a pty', async () => {
    expect((await conn.exec('tr a-z A-Z', { stdin: 'hello' })).stdout).toBe('HELLO');
    const res = await conn.exec('echo out; echo err >&2', { pty: true });
    expect(res.stdout.replace(/\r/g, '')).toBe('out\nerr\n');
    expect(res.stderr).toBe('');
  });

  it('throws SshCommandError from run() when the command exits non-zero', async () => {
    const err = await conn.run('echo broken >&2; exit 7').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshCommandError);
    const c = err as SshCommandError;
    expect(c.exitCode).toBe(7);
    expect(c.stderr).toBe('broken\n');
    expect(c.message).toBe(
      `Command failed on ${conn.target}: exit status 7: "echo broken >&2; exit 7": broken`,
    );
  });

  it('closes a command that runs longer than timeoutMs and keeps the connection usable', async () => {
    const err = await conn.exec('sleep 30', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SSH_COMMAND_TIMEOUT', details: { timeoutMs: 300 } });
    expect((err as Error).message).toBe(
      `Command timed out on ${conn.target} after 300 ms: "sleep 30"`,
    );
    expect((await conn.exec('echo still here')).stdout).toBe('still here\n');
  });

  it('rejects a command with the abort reason when its signal aborts', async () => {
    const ctl = new AbortController();
    const running = conn.exec('sleep 30', { signal: ctl.signal }).catch((e: unknown) => e);
    const reason = new Error('cancelled');
    ctl.abort(reason);
    expect(await running).toBe(reason);
  });

  it('writes files with their contents and modes, also over an existing file', async () => {
    const { dir, remove } = await tempDir('nodepool-sftp-');
    try {
      const secret = path.join(dir, 'secret');
      await writeFile(secret, 'old');
      await chmod(secret, 0o644);
      await conn.writeFile(secret, 'new secret\n', { mode: 0o600 });
      expect(await readFile(secret, 'utf8')).toBe('new secret\n');
      expect((await stat(secret)).mode & 0o777).toBe(0o600);

      const big = Buffer.alloc(200_000, 'x');
      await conn.writeFile(path.join(dir, 'big'), big, { mode: 0o640 });
      expect((await readFile(path.join(dir, 'big'))).equals(big)).toBe(true);
      expect((await stat(path.join(dir, 'big'))).mode & 0o777).toBe(0o640);
    } finally {
      await remove();
    }
  });

  it('creates nested directories and fails clearly when a file is in the way', async () => {
    const { dir, remove } = await tempDir('nodepool-sftp-');
    try {
      await conn.mkdirp(path.join(dir, 'a/b/c'), { mode: 0o750 });
      await conn.mkdirp(path.join(dir, 'a/b/c'));
      expect((await stat(path.join(dir, 'a/b/c'))).isDirectory()).toBe(true);
      await writeFile(path.join(dir, 'file'), '');
      const err = await conn.mkdirp(path.join(dir, 'file/sub')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_SSH_SFTP' });
      expect((err as Error).message).toContain(`"${path.join(dir, 'file')}" is not a directory`);
      const missing = await conn.writeFile(path.join(dir, 'nope/x'), 'x').catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: 'ERR_SSH_SFTP' });
      expect((missing as Error).message).toMatch(
        new RegExp(`^Cannot open "${path.join(dir, 'nope/x')}" on 127.0.0.1 over SFTP: `),
      );
    } finally {
      await remove();
    }
  });

  it('uploads the regular files of a directory, keeping their modes', async () => {
    const local = await tempDir('nodepool-scripts-src-');
    const remote = await tempDir('nodepool-scripts-dst-');
    try {
      await writeFile(path.join(local.dir, 'ready.sh'), '#!/bin/sh\necho ready\n', { mode: 0o755 });
      await writeFile(path.join(local.dir, 'data.txt'), 'data', { mode: 0o644 });
      await mkdir(path.join(local.dir, 'subdir'));
      const target = path.join(remote.dir, 'opt/scripts');
      expect(await conn.uploadDirectory(local.dir, target)).toEqual(['data.txt', 'ready.sh']);
      expect(await readFile(path.join(target, 'ready.sh'), 'utf8')).toBe('#!/bin/sh\necho ready\n');
      expect((await stat(path.join(target, 'ready.sh'))).mode & 0o777).toBe(0o755);
      expect((await stat(path.join(target, 'data.txt'))).mode & 0o777).toBe(0o644);
      expect((await conn.run(`${target}/ready.sh`)).stdout).toBe('ready\n');
    } finally {
      await local.remove();
      await remote.remove();
    }
  });
});

describe.skipIf(skip !== null)('SshConnection lifecycle', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const options = (): ConstructorParameters<typeof SshConnection>[0] => ({
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.privateKeyPath,
  });

  it('leaves no socket open and no sshd session after stop, even with SFTP and running commands', async () => {
    const before = tcpSockets();
    const conns = Array.from({ length: 3 }, () => new SshConnection(options()));
    await Promise.all(conns.map((c) => c.start()));
    await waitFor(async () => (await sshd.connectionCount()) === 3, {
      what: 'three sshd sessions',
    });
    const { dir, remove } = await tempDir('nodepool-leak-');
    try {
      await conns[0]!.writeFile(path.join(dir, 'f'), 'x');
      const running = conns[1]!.exec('sleep 30').catch((e: unknown) => e);
      await Promise.all(conns.map((c) => c.stop()));
      expect(await running).toBeInstanceOf(Error);
      await Promise.all(conns.map((c) => c.stop()));
      expect(conns.map((c) => c.state)).toEqual(['stopped', 'stopped', 'stopped']);
    } finally {
      await remove();
    }
    await waitFor(() => tcpSockets() <= before, { what: 'client sockets to close' });
    await waitFor(async () => (await sshd.connectionCount()) === 0, {
      what: 'sshd sessions to end',
    });
  });

  it('closes the connection when its signal aborts', async () => {
    const ctl = new AbortController();
    const conn = new SshConnection({ ...options(), signal: ctl.signal });
    await conn.start();
    ctl.abort(new Error('launch cancelled'));
    await waitFor(() => conn.state === 'stopped', { what: 'the connection to stop' });
    const err = await Promise.resolve()
      .then(() => conn.exec('true'))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    expect((err as Error).message).toBe(
      `Cannot use the SSH connection to ${conn.target}: state is "stopped"`,
    );
  });

  it('cancels a connect in progress when stopped', async () => {
    const conn = new SshConnection(options());
    const starting = conn.start().catch((e: unknown) => e);
    await conn.stop();
    expect(await starting).toBeInstanceOf(Error);
    expect(() => conn.hostKey).toThrow(expect.objectContaining({ code: 'ERR_ILLEGAL_STATE' }));
    await waitFor(async () => (await sshd.connectionCount()) === 0, {
      what: 'sshd sessions to end',
    });
  });
});
