import { describe, expect, it } from 'vitest';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import {
  FakeSshSession,
  SshAccessError,
  sshTimeoutError,
  bareHost,
  buildNodepoolFiles,
  buildReadyScriptCommand,
  describeHostKey,
  formatHostPort,
  generateNodeSetKey,
  nodepoolEnvAssignments,
  shellQuote,
  writeNodepoolFiles,
} from '../../../src/ssh/index.js';
import type { NodepoolFilesInput } from '../../../src/ssh/index.js';

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes everything else', () => {
    expect(shellQuote('node-1.example.org')).toBe('node-1.example.org');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote(`it's $HOME`)).toBe(`'it'\\''s $HOME'`);
  });
});

describe('buildReadyScriptCommand', () => {
  it('passes only NODEPOOL_ variables, sorted and quoted, and the hostname', () => {
    const cmd = buildReadyScriptCommand('ready.sh', {
      hostname: 'h1',
      env: { NODEPOOL_B: 'x"y', NODEPOOL_A: '1', HOME: '/root', 'NODEPOOL_BAD-NAME': 'z' },
    });
    expect(cmd).toBe(`cd /opt/nodepool-scripts && NODEPOOL_A=1 NODEPOOL_B='x"y' ./ready.sh h1`);
  });

  it('omits the assignments when there are none', () => {
    expect(buildReadyScriptCommand('r', { hostname: 'h', env: {}, scriptsDir: '/s d' })).toBe(
      "cd '/s d' && ./r h",
    );
    expect(nodepoolEnvAssignments({})).toBe('');
  });
});

const base: NodepoolFilesInput = {
  role: 'primary',
  node: { ip: '1.1.1.1', ipPrivate: '10.1.1.1', externalId: 'abc' },
  primary: { ip: '1.1.1.1', ipPrivate: '10.1.1.1' },
  subnodes: [],
  key: {
    privateKeyPem: '-----BEGIN RSA PRIVATE KEY-----\nX\n-----END RSA PRIVATE KEY-----',
    publicKey: 'ssh-rsa AAAA',
  },
  provider: 'p',
  cloud: 'c',
};

describe('buildNodepoolFiles', () => {
  it('lists the eleven files in upstream order, each ending with a newline where non-empty', () => {
    const files = buildNodepoolFiles(base);
    expect(files.map((f) => f.name)).toEqual([
      'role',
      'node',
      'node_private',
      'primary_node',
      'primary_node_private',
      'sub_nodes',
      'sub_nodes_private',
      'id_rsa',
      'id_rsa.pub',
      'provider',
      'uuid',
    ]);
    for (const f of files) if (f.content !== '') expect(f.content.endsWith('\n')).toBe(true);
    expect(files.find((f) => f.name === 'id_rsa')?.mode).toBe(0o600);
  });

  it('throws a TypeError naming the subnode that has no IP', () => {
    expect(() =>
      buildNodepoolFiles({
        ...base,
        subnodes: [
          { ip: '2.2.2.2', ipPrivate: '' },
          { ip: '', ipPrivate: '' },
        ],
      }),
    ).toThrow(new TypeError('Cannot write /etc/nodepool files: subnode 2 has no IP address'));
  });
});

describe('generateNodeSetKey', () => {
  it('returns a PKCS#1 RSA 2048 private key and its ssh-rsa public key', async () => {
    const key = await generateNodeSetKey();
    expect(key.privateKeyPem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    const priv = createPrivateKey(key.privateKeyPem);
    expect(priv.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const jwk = createPublicKey(priv).export({ format: 'jwk' });
    const [type, b64] = key.publicKey.split(' ');
    expect(type).toBe('ssh-rsa');
    const blob = Buffer.from(b64!, 'base64');
    const n = Buffer.from(jwk.n!, 'base64url');
    // The modulus (with its sign byte) ends the blob.
    expect(blob.subarray(blob.length - n.length).equals(n)).toBe(true);
    expect(describeHostKey(blob).type).toBe('ssh-rsa');
  });
});

describe('host helpers', () => {
  it('handles IPv6 brackets', () => {
    expect(bareHost('[2001:db8::1]')).toBe('2001:db8::1');
    expect(bareHost('10.0.0.1')).toBe('10.0.0.1');
    expect(formatHostPort('2001:db8::1', 22)).toBe('[2001:db8::1]:22');
    expect(formatHostPort('[::1]', 2222)).toBe('[::1]:2222');
    expect(formatHostPort('10.0.0.1', 22)).toBe('10.0.0.1:22');
  });

  it('describes a host key blob with its type and an ssh-keygen style fingerprint', () => {
    const blob = Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from('ssh-ed25519'),
      Buffer.alloc(36, 1),
    ]);
    const k = describeHostKey(blob);
    expect(k.type).toBe('ssh-ed25519');
    expect(k.fingerprint).toBe(
      `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    );
  });
});

describe('ssh errors', () => {
  it('carry the launch result keys of upstream', () => {
    const t = sshTimeoutError('x', { host: 'h', port: 22, timeoutMs: 1, attempts: 1 });
    expect(t.code).toBe('ERR_SSH_TIMEOUT');
    expect(t.details).toEqual({ host: 'h', port: 22, timeoutMs: 1, attempts: 1 });
    expect(t.statsKey).toBe('error.ssh');
    expect(new SshAccessError('x', { host: 'h', output: '' }).statsKey).toBe('error.auth');
  });
});

describe('FakeSshSession', () => {
  it('records the node files instead of writing them', async () => {
    const s = new FakeSshSession('fake');
    await writeNodepoolFiles(s, base);
    expect(s.commands).toEqual(['ls /etc/nodepool']);
    expect(s.files.get('/etc/nodepool/role')).toEqual({ content: 'primary\n', mode: 0o644 });
    expect(s.files.get('/etc/nodepool/id_rsa')?.mode).toBe(0o600);
    expect(s.files.size).toBe(11);
  });
});
