/**
 * The fake cloud's servers answer SSH on their own addresses (`sshPort`) while ACTIVE: a
 * real ssh2 client logs in, runs the access check and writes files over SFTP; the address
 * refuses connections once the server is deleted. A free high port keeps the test free of
 * root and of other fake clouds binding port 22.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { directSsh } from '../../../src/ssh/index.js';
import { freePort } from '../../support/sshd.js';
import { login, request, waitFor } from './helpers.js';

const clientKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs1',
  format: 'pem',
}) as string;

describe('FakeCloud servers over SSH', () => {
  let cloud: FakeCloud;
  let token = '';
  let imageId = '';
  let port = 0;
  const nova = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) =>
    request(cloud, method, `/compute/v2.1${path}`, { token, ...opts });

  beforeAll(async () => {
    port = await freePort();
    cloud = new FakeCloud({ buildDelayMs: 50, sshPort: port });
    await cloud.start();
    token = await login(cloud);
    imageId = (await request(cloud, 'GET', '/image/v2/images?name=Fake%20Precise', { token })).body
      .images[0].id;
  });
  afterAll(() => cloud.stop());

  async function bootActive(name: string): Promise<{ id: string; ip: string }> {
    const id = (
      await nova('POST', '/servers', {
        body: { server: { name, imageRef: imageId, flavorRef: 'f1' } },
      })
    ).body.server.id as string;
    const server = await waitFor(async () => {
      const s = (await nova('GET', `/servers/${id}`)).body.server;
      return s.status === 'ACTIVE' ? s : null;
    });
    const addrs = Object.values(
      server.addresses as Record<string, Array<{ addr: string; 'OS-EXT-IPS:type': string }>>,
    ).flat();
    return { id, ip: addrs.find((a) => a['OS-EXT-IPS:type'] === 'floating')!.addr };
  }

  it('lets a client log in on an ACTIVE server, run commands and write files', async () => {
    const { id, ip } = await bootActive('ssh-1');
    const session = await directSsh.connect(ip, {
      port,
      username: 'jenkins',
      privateKey: clientKey,
      timeoutMs: 5000,
      retryDelayMs: 50,
    });
    try {
      expect(await session.run('echo hello')).toMatchObject({ exitCode: 0, stdout: 'hello\r\n' });
      await session.writeFile('/etc/nodepool/role', 'primary\n', { mode: 0o644 });
    } finally {
      await session.stop();
    }
    const seen = cloud.sshActivity()[id]!;
    expect(seen.logins).toBe(1);
    expect(seen.commands).toEqual(['echo access okay', 'echo hello']);
    expect(seen.files).toEqual({ '/etc/nodepool/role': 'primary\n' });
  });

  it('keeps the exit status of commands that end as soon as they start (200 in a row)', async () => {
    const { ip } = await bootActive('ssh-fast');
    const session = await directSsh.connect(ip, {
      port,
      username: 'jenkins',
      privateKey: clientKey,
      timeoutMs: 5000,
      retryDelayMs: 50,
    });
    try {
      const codes = new Set<number | null>();
      for (let i = 0; i < 200; i++) codes.add((await session.exec('true')).exitCode);
      expect([...codes]).toEqual([0]);
    } finally {
      await session.stop();
    }
  });

  it('refuses connections on a server address once the server is deleted', async () => {
    const { id, ip } = await bootActive('ssh-2');
    await nova('DELETE', `/servers/${id}`);
    await waitFor(async () => ((await nova('GET', `/servers/${id}`)).status === 404 ? true : null));
    const attempt = directSsh.connect(ip, {
      port,
      username: 'jenkins',
      privateKey: clientKey,
      timeoutMs: 300,
      retryDelayMs: 50,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SSH_TIMEOUT' });
    await expect(attempt).rejects.toMatchObject({ cause: { kind: 'refused' } });
    expect(cloud.sshActivity()[id]).toBeUndefined();
  });
});
