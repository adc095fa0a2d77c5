/**
 * The node set's Ed25519 key file against OpenSSH's own reader: every key of a large sample
 * must load in `ssh-keygen -y` and give back the public key line we write to id_rsa.pub.
 * (ssh2's generator broke about one key in 128, those whose public key starts with a zero
 * byte; 512 keys hit such a key with a probability of about 98 %.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../../src/ssh/openssh-key.js';

const run = promisify(execFile);
const SAMPLE = 512;

describe('Ed25519 node set keys in OpenSSH format', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'np-ed25519-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`loads in ssh-keygen for each of ${SAMPLE} keys, giving the same public key`, async () => {
    const keys = Array.from({ length: SAMPLE }, () => generateEd25519KeyPair());
    // A key whose public half starts with a zero byte is the case that once broke.
    expect(
      keys.every((k) =>
        /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}$/.test(k.publicKey),
      ),
    ).toBe(true);
    const mismatches: string[] = [];
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(
        keys.slice(i, i + 16).map(async (k, j) => {
          const file = path.join(dir, `k${i + j}`);
          await writeFile(file, k.privateKey, { mode: 0o600 });
          const out = await run('ssh-keygen', ['-y', '-f', file]).catch((err: Error) => ({
            stdout: `error: ${err.message}`,
          }));
          if (out.stdout.trim() !== k.publicKey) mismatches.push(`${file}: ${out.stdout.trim()}`);
        }),
      );
    }
    expect(mismatches).toEqual([]);
  });
});
