import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/index.js';
import { readSecureConfig } from '../../../src/config/secure-config.js';
import { IniError, IniFile } from '../../../src/config/secure.js';
import { COMPAT_DIR, substitute } from '../../support/compat-fixtures.js';

function writeTemp(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nodepool-secure-')), 'secure.conf');
  writeFileSync(path, text);
  return path;
}

describe('IniFile', () => {
  it('accepts "=" and ":" and trims spaces', () => {
    const ini = IniFile.parse('[database]\ndburi = sqlite://\nother:  value  \n');
    expect(ini.get('database', 'dburi')).toBe('sqlite://');
    expect(ini.get('database', 'other')).toBe('value');
  });

  it('reads option names case-insensitively but section names exactly', () => {
    const ini = IniFile.parse('[database]\nDBURI=x\n');
    expect(ini.get('database', 'dburi')).toBe('x');
    expect(ini.get('Database', 'dburi')).toBeUndefined();
  });

  it('skips comment lines and strips inline ";" comments only after whitespace', () => {
    const ini = IniFile.parse(
      '# c\n; c\n[s]\na = one ; comment\nb = two;three\nrem also a comment\n',
    );
    expect(ini.get('s', 'a')).toBe('one');
    expect(ini.get('s', 'b')).toBe('two;three');
    expect(ini.hasOption('s', 'rem')).toBe(false);
  });

  it('joins indented continuation lines with newlines', () => {
    expect(IniFile.parse('[s]\na = first\n  second\n\tthird\n').get('s', 'a')).toBe(
      'first\nsecond\nthird',
    );
  });

  it('falls back to [DEFAULT] and interpolates %(name)s from the section and DEFAULT', () => {
    const ini = IniFile.parse(
      '[DEFAULT]\nhost = db.example.org\n[database]\nuser = np\ndburi = mysql://%(user)s@%(HOST)s/nodepool\n',
    );
    expect(ini.get('database', 'dburi')).toBe('mysql://np@db.example.org/nodepool');
    expect(ini.get('database', 'host')).toBe('db.example.org');
    expect(ini.sectionNames()).toEqual(['database']);
  });

  it('takes a value without "%(" literally, so URL-encoded passwords survive', () => {
    expect(IniFile.parse('[d]\ndburi = mysql://u:p%40ss@h/db\n').get('d', 'dburi')).toBe(
      'mysql://u:p%40ss@h/db',
    );
  });

  it('formats the whole value once it contains "%(": "%%" is a percent, a bare "%" is an error', () => {
    const ini = IniFile.parse(
      '[d]\nu = x\nok = %(u)s 100%%\nbad = %(u)s p%40ss\nmissing = %(nope)s\n',
    );
    expect(ini.get('d', 'ok')).toBe('x 100%');
    expect(() => ini.get('d', 'bad')).toThrow(IniError);
    expect(() => ini.get('d', 'missing')).toThrow(/refers to "%\(nope\)s"/);
  });

  it('interpolates references recursively', () => {
    expect(IniFile.parse('[d]\na = %(b)s\nb = %(c)s!\nc = z\n').get('d', 'a')).toBe('z!');
  });

  it('rejects an option before any section and an unparsable line, with the line number', () => {
    expect(() => IniFile.parse('a = 1\n')).toThrow(expect.objectContaining({ line: 1 }) as Error);
    expect(() => IniFile.parse('[s]\nnot an option\n')).toThrow(
      expect.objectContaining({ line: 2 }) as Error,
    );
  });

  it('turns a value of two double quotes into an empty string', () => {
    expect(IniFile.parse('[s]\na = ""\n').get('s', 'a')).toBe('');
  });
});

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
