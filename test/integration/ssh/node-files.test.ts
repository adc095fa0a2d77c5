import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  bootstrapTemplateServer,
  connectSsh,
  generateNodeSetKey,
  runReadyScript,
  writeNodepoolFiles,
} from '../../../src/ssh/index.js';
import type { NodeSetKey, SshSession } from '../../../src/ssh/index.js';
import type { NodepoolError } from '../../../src/errors.js';
import { startSshd } from '../../support/sshd.js';
import type { Sshd } from '../../support/sshd.js';
import { sshdSkipReason, tempDir } from './helpers.js';

const skip = await sshdSkipReason();

describe.skipIf(skip !== null)('writeNodepoolFiles', () => {
  let sshd: Sshd;
  let session: SshSession;
  let key: NodeSetKey;
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connectSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
    });
    key = await generateNodeSetKey();
  });
  afterAll(async () => {
    await session?.stop();
    await sshd?.stop();
  });

  it('writes exactly the upstream file set with contents and modes on a subnode', async () => {
    const { dir, remove } = await tempDir('nodepool-etc-');
    try {
      await writeNodepoolFiles(
        session,
        {
          role: 'sub',
          node: { ip: '203.0.113.11', ipPrivate: '10.0.0.11', externalId: 'uuid-sub-1' },
          primary: { ip: '203.0.113.10', ipPrivate: '10.0.0.10' },
          subnodes: [
            { ip: '203.0.113.11', ipPrivate: '10.0.0.11' },
            { ip: '203.0.113.12', ipPrivate: '10.0.0.12' },
          ],
          key,
          provider: 'rax-dfw',
          cloud: 'rax',
          regionName: 'DFW',
          az: 'az1',
        },
        { dir },
      );
      expect((await readdir(dir)).sort()).toEqual(
        [
          'id_rsa',
          'id_rsa.pub',
          'node',
          'node_private',
          'primary_node',
          'primary_node_private',
          'provider',
          'role',
          'sub_nodes',
          'sub_nodes_private',
          'uuid',
        ].sort(),
      );
      const read = (f: string): Promise<string> => readFile(path.join(dir, f), 'utf8');
      expect(await read('role')).toBe('sub\n');
      expect(await read('node')).toBe('203.0.113.11\n');
      expect(await read('node_private')).toBe('10.0.0.11\n');
      expect(await read('primary_node')).toBe('203.0.113.10\n');
      expect(await read('primary_node_private')).toBe('10.0.0.10\n');
      expect(await read('sub_nodes')).toBe('203.0.113.11\n203.0.113.12\n');
      expect(await read('sub_nodes_private')).toBe('10.0.0.11\n10.0.0.12\n');
      expect(await read('id_rsa')).toBe(key.privateKeyPem);
      expect(await read('id_rsa')).toMatch(
        /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/,
      );
      expect(await read('id_rsa.pub')).toBe(`${key.publicKey}\n`);
      // OpenSSH derives the same public key from the private one.
      const derived = execFileSync('ssh-keygen', ['-y', '-f', path.join(dir, 'id_rsa')], {
        encoding: 'utf8',
      });
      expect(derived.trim()).toBe(key.publicKey);
      expect(await read('provider')).toBe(
        'NODEPOOL_PROVIDER=rax-dfw\nNODEPOOL_CLOUD=rax\nNODEPOOL_REGION=DFW\nNODEPOOL_AZ=az1\n',
      );
      expect(await read('uuid')).toBe('uuid-sub-1\n');
      expect((await stat(path.join(dir, 'id_rsa'))).mode & 0o777).toBe(0o600);
      expect((await stat(path.join(dir, 'role'))).mode & 0o777).toBe(0o644);
    } finally {
      await remove();
    }
  });

  it('makes an Ed25519 node set key that OpenSSH reads from id_rsa and logs in with', async () => {
    const ed = await generateNodeSetKey('ed25519');
    expect(ed.privateKeyPem).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    expect(ed.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-edkey-'));
    const keyPath = path.join(dir, 'id_rsa');
    await writeFile(keyPath, ed.privateKeyPem, { mode: 0o600 });
    // What a job on the primary does with the file: ssh to a subnode that has id_rsa.pub.
    const peer = await startSshd({
      clientKey: { privateKeyPath: keyPath, publicKey: ed.publicKey },
    });
    try {
      expect(execFileSync('ssh-keygen', ['-y', '-f', keyPath], { encoding: 'utf8' }).trim()).toBe(
        ed.publicKey,
      );
      const out = execFileSync(
        'ssh',
        [
          '-i',
          keyPath,
          '-p',
          String(peer.port),
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'BatchMode=yes',
          '-o',
          'IdentitiesOnly=yes',
          `${peer.user}@${peer.host}`,
          'echo',
          'logged-in',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      expect(out.trim()).toBe('logged-in');
    } finally {
      await peer.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes empty sub_nodes files and empty region and AZ for a lone primary', async () => {
    const { dir, remove } = await tempDir('nodepool-etc-');
    try {
      await writeNodepoolFiles(
        session,
        {
          role: 'primary',
          node: { ip: '2001:db8::5', ipPrivate: '10.0.0.5', externalId: 'uuid-5' },
          primary: { ip: '2001:db8::5', ipPrivate: '10.0.0.5' },
          subnodes: [],
          key,
          provider: 'p',
          cloud: 'c',
        },
        { dir },
      );
      const read = (f: string): Promise<string> => readFile(path.join(dir, f), 'utf8');
      expect(await read('role')).toBe('primary\n');
      expect(await read('sub_nodes')).toBe('');
      expect(await read('sub_nodes_private')).toBe('');
      expect(await read('provider')).toBe(
        'NODEPOOL_PROVIDER=p\nNODEPOOL_CLOUD=c\nNODEPOOL_REGION=\nNODEPOOL_AZ=\n',
      );
    } finally {
      await remove();
    }
  });

  it('fails with ERR_NODEPOOL_DIR_MISSING and writes nothing when the directory is missing', async () => {
    const { dir, remove } = await tempDir('nodepool-etc-');
    try {
      const missing = path.join(dir, 'etc-nodepool');
      const err = await writeNodepoolFiles(
        session,
        {
          role: 'primary',
          node: { ip: '1.2.3.4', ipPrivate: '1.2.3.4', externalId: 'u' },
          primary: { ip: '1.2.3.4', ipPrivate: '1.2.3.4' },
          subnodes: [],
          key,
          provider: 'p',
          cloud: 'c',
        },
        { dir: missing },
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_NODEPOOL_DIR_MISSING', details: { dir: missing } });
      expect((err as Error).message).toMatch(
        new RegExp(
          `^Cannot write node files on 127\\.0\\.0\\.1: directory "${missing}" is missing or unreadable \\(the image must create it\\): `,
        ),
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await remove();
    }
  });
});

describe.skipIf(skip !== null)('runReadyScript', () => {
  let sshd: Sshd;
  let session: SshSession;
  let scripts: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connectSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
    });
    scripts = await tempDir('nodepool-scripts-');
    const out = path.join(scripts.dir, 'out');
    await writeFile(
      path.join(scripts.dir, 'ready.sh'),
      `#!/bin/bash\n{ echo "host=$1"; echo "cwd=$PWD"; echo "a=$NODEPOOL_A"; echo "b=$NODEPOOL_B"; } > ${out}\necho done\n`,
      { mode: 0o755 },
    );
    await writeFile(
      path.join(scripts.dir, 'fail.sh'),
      '#!/bin/sh\necho "cannot set up networking"\nexit 4\n',
      {
        mode: 0o755,
      },
    );
  });
  afterAll(async () => {
    await session?.stop();
    await sshd?.stop();
    await scripts?.remove();
  });

  it('runs the script from the scripts dir with the hostname and the NODEPOOL_ variables, quoted', async () => {
    const res = await runReadyScript(session, 'ready.sh', {
      hostname: 'node-1.example.org',
      scriptsDir: scripts.dir,
      env: {
        NODEPOOL_A: `it's "quoted" $HOME`,
        NODEPOOL_B: 'x y',
        OTHER: 'not passed',
        PATH: '/bin',
      },
    });
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toContain('done');
    expect(await readFile(path.join(scripts.dir, 'out'), 'utf8')).toBe(
      `host=node-1.example.org\ncwd=${scripts.dir}\na=it's "quoted" $HOME\nb=x y\n`,
    );
  });

  it('throws ERR_READY_SCRIPT with the exit status and output when the script fails', async () => {
    const err = await runReadyScript(session, 'fail.sh', {
      hostname: 'node-2',
      scriptsDir: scripts.dir,
      env: {},
    }).catch((e: unknown) => e);
    const r = err as NodepoolError;
    expect(r.code).toBe('ERR_READY_SCRIPT');
    expect(r.details?.exitCode).toBe(4);
    expect(r.details?.output).toContain('cannot set up networking');
    expect(r.message).toBe(
      'Ready script "fail.sh" failed on node-2 (127.0.0.1): exit status 4: cannot set up networking',
    );
  });

  it('throws ERR_READY_SCRIPT when the script does not exist', async () => {
    const err = await runReadyScript(session, 'missing.sh', {
      hostname: 'n',
      scriptsDir: scripts.dir,
      env: {},
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_READY_SCRIPT', details: { exitCode: 127 } });
  });
});

describe.skipIf(skip !== null)('bootstrapTemplateServer', () => {
  let sshd: Sshd;
  let session: SshSession;
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connectSsh(sshd.host, {
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKeyPath,
    });
  });
  afterAll(async () => {
    await session?.stop();
    await sshd?.stop();
  });
  const sudo = process.getuid?.() === 0 ? '' : 'sudo';

  it('creates the config dir, copies the scripts and runs setup with the server name', async () => {
    const local = await tempDir('nodepool-scriptdir-');
    const node = await tempDir('nodepool-node-');
    try {
      await writeFile(
        path.join(local.dir, 'prepare_node.sh'),
        '#!/bin/sh\necho "$1 $NODEPOOL_X" > "$(dirname "$0")/setup-ran"\n',
        {
          mode: 0o700,
        },
      );
      await mkdir(path.join(local.dir, 'ignored-subdir'));
      const nodepoolDir = path.join(node.dir, 'etc/nodepool');
      const scriptsDir = path.join(node.dir, 'opt/nodepool-scripts');
      const copied = await bootstrapTemplateServer(session, {
        hostname: 'template-img-1',
        scriptDir: local.dir,
        setup: 'prepare_node.sh',
        env: { NODEPOOL_X: 'y' },
        nodepoolDir,
        scriptsDir,
        sudo,
        settleMs: 0,
      });
      expect(copied).toEqual(['prepare_node.sh']);
      expect((await stat(nodepoolDir)).mode & 0o777).toBe(0o777);
      expect((await stat(path.join(scriptsDir, 'prepare_node.sh'))).mode & 0o555).toBe(0o555);
      expect(await readFile(path.join(scriptsDir, 'setup-ran'), 'utf8')).toBe('template-img-1 y\n');
      expect(
        (await readdir(process.env.HOME ?? '/root')).filter((n) =>
          n.startsWith('nodepool-scripts-'),
        ),
      ).toEqual([]);
    } finally {
      await local.remove();
      await node.remove();
    }
  });

  it('throws ERR_SETUP_SCRIPT when setup fails', async () => {
    const local = await tempDir('nodepool-scriptdir-');
    const node = await tempDir('nodepool-node-');
    try {
      await writeFile(path.join(local.dir, 'setup.sh'), '#!/bin/sh\necho "no network"\nexit 2\n', {
        mode: 0o755,
      });
      const err = await bootstrapTemplateServer(session, {
        hostname: 'template-2',
        scriptDir: local.dir,
        setup: 'setup.sh',
        env: {},
        nodepoolDir: path.join(node.dir, 'etc'),
        scriptsDir: path.join(node.dir, 'scripts'),
        sudo,
        settleMs: 0,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_SETUP_SCRIPT' });
      expect((err as Error).message).toBe(
        'Setup script "setup.sh" failed on template-2 (127.0.0.1): exit status 2: no network',
      );
    } finally {
      await local.remove();
      await node.remove();
    }
  });
});
