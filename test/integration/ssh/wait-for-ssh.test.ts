import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import {
  FakeSshSession,
  fakeSsh,
  HostKeyMismatchError,
  SshAccessError,
  SshConnectError,
  SshConnection,
  SshKeyError,
  checkNode,
  connectSsh,
  waitForSsh,
} from '../../../src/ssh/index.js';
import { NodepoolError } from '../../../src/errors.js';
import { freePort, startSshd } from '../../support/sshd.js';
import type { Sshd } from '../../support/sshd.js';
import { waitFor } from '../../support/wait-for.js';
import { captureLogger, sshdSkipReason, tcpSockets } from './helpers.js';

const skip = await sshdSkipReason();

describe.skipIf(skip !== null)('waitForSsh', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('returns the host key fingerprint when sshd answers', async () => {
    const key = await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      timeoutMs: 10_000,
    });
    expect(key.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(`${key.type} ${key.base64}`).toBe(sshd.hostKey);
  });

  it('accepts the private key as content instead of a path', async () => {
    const content = await readFile(sshd.privateKeyPath, 'utf8');
    const key = await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: content,
    });
    expect(key.fingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('throws ERR_SSH_TIMEOUT with statsKey error.ssh when nothing listens', async () => {
    const port = await freePort();
    const err = await waitForSsh('127.0.0.1', {
      port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      timeoutMs: 1500,
      retryDelayMs: 200,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodepoolError);
    const t = err as NodepoolError;
    expect(t.statsKey).toBe('error.ssh');
    expect(t.code).toBe('ERR_SSH_TIMEOUT');
    expect(t.details?.['attempts']).toBeGreaterThan(1);
    expect(t.message).toContain(
      `Timeout waiting for ssh access to ${sshd.user}@127.0.0.1:${port} after 1500 ms`,
    );
    expect(t.message).toContain('connection refused');
    expect(t.cause).toBeInstanceOf(SshConnectError);
    expect((t.cause as SshConnectError).kind).toBe('refused');
  });

  it('succeeds when sshd starts after the first attempts failed', async () => {
    const port = await freePort();
    const { log, lines } = captureLogger();
    const waiting = waitForSsh('127.0.0.1', {
      port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      timeoutMs: 30_000,
      retryDelayMs: 100,
      log,
    });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('SSH not up yet')), {
      what: 'a refused attempt',
    });
    const late = await startSshd({ port, clientKey: sshd });
    try {
      const key = await waiting;
      expect(key.fingerprint).toBe(late.hostKeyFingerprint);
    } finally {
      await late.stop();
    }
  });

  it('rejects with the abort reason when the signal aborts while waiting', async () => {
    const port = await freePort();
    const { log, lines } = captureLogger();
    const ctl = new AbortController();
    const waiting = waitForSsh('127.0.0.1', {
      port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      timeoutMs: 60_000,
      log,
      signal: ctl.signal,
    }).catch((e: unknown) => e);
    await waitFor(() => lines.length > 0, { what: 'a failed attempt' });
    const reason = new Error('stop now');
    ctl.abort(reason);
    expect(await waiting).toBe(reason);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('already');
    const err = await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      signal: AbortSignal.abort(reason),
    }).catch((e: unknown) => e);
    expect(err).toBe(reason);
  });

  it('reports an authentication failure when the key is wrong', async () => {
    const other = await startSshd();
    try {
      const { log, lines } = captureLogger();
      const err = await waitForSsh(sshd.host, {
        port: sshd.port,
        username: sshd.user,
        privateKey: other.privateKeyPath,
        timeoutMs: 1500,
        retryDelayMs: 200,
        log,
      }).catch((e: unknown) => e);
      expect((err as NodepoolError).code).toBe('ERR_SSH_TIMEOUT');
      expect((err as Error).message).toContain(
        `authentication failed: the server rejected the private key "${other.privateKeyPath}"`,
      );
      expect((err as Error).cause).toMatchObject({ code: 'ERR_SSH_AUTH', kind: 'auth' });
      expect(
        lines.some((l) => l.level === 30 && String(l.msg).startsWith('Auth exception for')),
      ).toBe(true);

      const conn = new SshConnection({
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        privateKey: other.privateKeyPath,
      });
      const direct = await conn.start().catch((e: unknown) => e);
      await conn.stop();
      expect(direct).toMatchObject({ code: 'ERR_SSH_AUTH', kind: 'auth' });
      expect((direct as Error).message).toBe(
        `Cannot log in to ${sshd.user}@${sshd.host}:${sshd.port} over SSH: authentication failed: the server rejected the private key "${other.privateKeyPath}"`,
      );
    } finally {
      await other.stop();
    }
  });

  it('fails at once with SshKeyError when the key file is missing', async () => {
    const err = await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: '/nonexistent/id_rsa',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshKeyError);
    expect((err as Error).message).toBe(
      'Cannot read SSH private key "/nonexistent/id_rsa": ENOENT',
    );
  });

  it('fails at once with HostKeyMismatchError when the host key differs from the expected one', async () => {
    const err = await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      expectedHostKey: 'SHA256:not-this-one',
      timeoutMs: 30_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).statsKey).toBe('error.ssh');
    expect((err as Error).message).toContain(`host key ${sshd.hostKeyFingerprint} does not match`);
    const ok = await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      expectedHostKey: sshd.hostKey,
    });
    expect(ok.fingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('closes every socket it opened, on success and on failure', async () => {
    const before = tcpSockets();
    await waitForSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
    });
    await waitForSsh('127.0.0.1', {
      port: await freePort(),
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
      timeoutMs: 500,
      retryDelayMs: 100,
    }).catch(() => undefined);
    await waitFor(() => tcpSockets() <= before, { what: 'sockets to close' });
    await waitFor(async () => (await sshd.connectionCount()) === 0, {
      what: 'sshd sessions to end',
    });
  });
});

describe.skipIf(skip !== null)('connectSsh', () => {
  it('throws SshAccessError with statsKey error.auth when the check command does not print "access okay"', async () => {
    const sshd = await startSshd({ extraConfig: ['ForceCommand echo no shell here'] });
    try {
      const err = await connectSsh(sshd.host, {
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.privateKeyPath,
        timeoutMs: 10_000,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshAccessError);
      expect((err as SshAccessError).statsKey).toBe('error.auth');
      expect((err as Error).message).toContain('"echo access okay" printed "no shell here"');
    } finally {
      await sshd.stop();
    }
  });

  it('keeps the returned session open after the boot timeout has passed', async () => {
    const sshd = await startSshd();
    try {
      const s = await connectSsh(sshd.host, {
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.privateKeyPath,
        timeoutMs: 5000,
      });
      try {
        // This command outlives the 5 s boot deadline.
        expect((await s.run('sleep 5.5; echo alive')).stdout).toBe('alive\n');
        expect((await s.run('echo again')).stdout).toBe('again\n');
      } finally {
        await s.stop();
      }
    } finally {
      await sshd.stop();
    }
  });

  it('reaches sshd bound to an IPv6 loopback address, with or without brackets', async () => {
    const sshd = await startSshd({ bindAddress: '::1' });
    try {
      for (const host of ['::1', '[::1]']) {
        const s = await connectSsh(host, {
          port: sshd.port,
          username: sshd.user,
          privateKey: sshd.privateKeyPath,
        });
        try {
          expect(s.host).toBe('::1');
          expect((await s.run('echo $SSH_CONNECTION')).stdout).toContain('::1');
        } finally {
          await s.stop();
        }
      }
    } finally {
      await sshd.stop();
    }
  });

  it('reaches sshd bound to a 127.100.0.x address like the real-cloud servers', async () => {
    const sshd = await startSshd({ bindAddress: '127.100.0.42' });
    try {
      const key = await waitForSsh('127.100.0.42', {
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.privateKeyPath,
      });
      expect(key.fingerprint).toBe(sshd.hostKeyFingerprint);
    } finally {
      await sshd.stop();
    }
  });

  it('fakeSsh returns an in-memory session without connecting or reading the key', async () => {
    const s = await fakeSsh.connect('192.0.2.1', {
      username: 'jenkins',
      privateKey: '/nonexistent',
    });
    expect(s).toBeInstanceOf(FakeSshSession);
    expect(await s.run('anything')).toEqual({ exitCode: 0, signal: null, stdout: '', stderr: '' });
    await s.stop();
  });
});

describe.skipIf(skip !== null)('checkNode', () => {
  it('reports a live node as alive and a dead one as not, without throwing', async () => {
    const sshd = await startSshd();
    try {
      // The key file goes away with sshd's temp dir; keep its content.
      const opts = {
        port: sshd.port,
        username: sshd.user,
        privateKey: await readFile(sshd.privateKeyPath, 'utf8'),
      };
      const alive = await checkNode(sshd.host, opts);
      expect(alive.isAlive).toBe(true);
      expect(alive.hostKey?.fingerprint).toBe(sshd.hostKeyFingerprint);
      await sshd.stop();
      const dead = await checkNode(sshd.host, { ...opts, timeoutMs: 500, retryDelayMs: 100 });
      expect(dead.isAlive).toBe(false);
      expect(dead.error).toMatchObject({ code: 'ERR_SSH_TIMEOUT' });
    } finally {
      await sshd.stop();
    }
  });

  it('rejects with the abort reason instead of reporting the node dead', async () => {
    const reason = new Error('shutting down');
    const err = await checkNode('127.0.0.1', {
      port: await freePort(),
      username: 'root',
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\n',
      signal: AbortSignal.abort(reason),
    }).catch((e: unknown) => e);
    expect(err).toBe(reason);
  });
});
