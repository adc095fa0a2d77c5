import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/index.js';
import { readSecureConfig } from '../../../src/config/secure-config.js';
import { COMPAT_DIR, substitute } from '../../support/compat-fixtures.js';

function writeTemp(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nodepool-secure-')), 'secure.conf');
  writeFileSync(path, text);
  return path;
}

describe('readSecureConfig', () => {
  it('reads the upstream fixture: dburi and the Jenkins target section', async () => {
    const path = writeTemp(substitute(readFileSync(join(COMPAT_DIR, 'secure.conf'), 'utf8')));
    const secure = await readSecureConfig(path, { targets: [{ name: 'fake-target' } as never] });
    expect(secure.dburi).toBe('sqlite://');
    expect(secure.jenkins.get('fake-target')).toEqual({
      url: 'http://fake-url',
      user: 'fake',
      apikey: 'fake',
      credentials: 'fake',
    });
  });

  it('ignores sections of unknown targets', async () => {
    const path = writeTemp('[database]\ndburi=sqlite://\n[jenkins "other"]\nurl=x\n');
    const secure = await readSecureConfig(path, { targets: [] });
    expect(secure.jenkins.size).toBe(0);
  });

  it('reports a Jenkins section without url/user/apikey, naming the option', async () => {
    const path = writeTemp('[database]\ndburi=sqlite://\n[jenkins "t"]\nurl=http://j/\n');
    const err = await readSecureConfig(path, { targets: [{ name: 't' } as never] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.message)).toEqual([
      'missing required option "user"',
      'missing required option "apikey"',
    ]);
  });

  it('reports a missing file as a ConfigError', async () => {
    await expect(readSecureConfig('/nonexistent/secure.conf', { targets: [] })).rejects.toThrow(
      /secure file: the file does not exist/,
    );
  });
});
