import { describe, expect, it } from 'vitest';
import { ConfigParser, IniError } from '../../../../src/compat/python/index.js';

describe('ConfigParser', () => {
  it('accepts "=" and ":" and trims spaces', () => {
    const ini = ConfigParser.parse('[database]\ndburi = sqlite://\nother:  value  \n');
    expect(ini.get('database', 'dburi')).toBe('sqlite://');
    expect(ini.get('database', 'other')).toBe('value');
  });

  it('reads option names case-insensitively but section names exactly', () => {
    const ini = ConfigParser.parse('[database]\nDBURI=x\n');
    expect(ini.get('database', 'dburi')).toBe('x');
    expect(ini.get('Database', 'dburi')).toBeUndefined();
  });

  it('skips comment lines and strips inline ";" comments only after whitespace', () => {
    const ini = ConfigParser.parse(
      '# c\n; c\n[s]\na = one ; comment\nb = two;three\nrem also a comment\n',
    );
    expect(ini.get('s', 'a')).toBe('one');
    expect(ini.get('s', 'b')).toBe('two;three');
    expect(ini.hasOption('s', 'rem')).toBe(false);
  });

  it('joins indented continuation lines with newlines', () => {
    expect(ConfigParser.parse('[s]\na = first\n  second\n\tthird\n').get('s', 'a')).toBe(
      'first\nsecond\nthird',
    );
  });

  it('falls back to [DEFAULT] and interpolates %(name)s from the section and DEFAULT', () => {
    const ini = ConfigParser.parse(
      '[DEFAULT]\nhost = db.example.org\n[database]\nuser = np\ndburi = mysql://%(user)s@%(HOST)s/nodepool\n',
    );
    expect(ini.get('database', 'dburi')).toBe('mysql://np@db.example.org/nodepool');
    expect(ini.get('database', 'host')).toBe('db.example.org');
    expect(ini.sectionNames()).toEqual(['database']);
  });

  it('takes a value without "%(" literally, so URL-encoded passwords survive', () => {
    expect(ConfigParser.parse('[d]\ndburi = mysql://u:p%40ss@h/db\n').get('d', 'dburi')).toBe(
      'mysql://u:p%40ss@h/db',
    );
  });

  it('formats the whole value once it contains "%(": "%%" is a percent, a bare "%" is an error', () => {
    const ini = ConfigParser.parse(
      '[d]\nu = x\nok = %(u)s 100%%\nbad = %(u)s p%40ss\nmissing = %(nope)s\n',
    );
    expect(ini.get('d', 'ok')).toBe('x 100%');
    expect(() => ini.get('d', 'bad')).toThrow(IniError);
    expect(() => ini.get('d', 'missing')).toThrow(/refers to "%\(nope\)s"/);
  });

  it('interpolates references recursively', () => {
    expect(ConfigParser.parse('[d]\na = %(b)s\nb = %(c)s!\nc = z\n').get('d', 'a')).toBe('z!');
  });

  it('rejects an option before any section and an unparsable line, with the line number', () => {
    expect(() => ConfigParser.parse('a = 1\n')).toThrow(
      expect.objectContaining({ line: 1 }) as Error,
    );
    expect(() => ConfigParser.parse('[s]\nnot an option\n')).toThrow(
      expect.objectContaining({ line: 2 }) as Error,
    );
  });

  it('turns a value of two double quotes into an empty string', () => {
    expect(ConfigParser.parse('[s]\na = ""\n').get('s', 'a')).toBe('');
  });
});

describe('ConfigParser strict mode', () => {
  it('merges a repeated section and keeps the last repeated option, as Python 2 does', () => {
    const ini = ConfigParser.parse('[s]\na = 1\n[t]\n[s]\na = 2\nb = 3\n');
    expect(ini.get('s', 'a')).toBe('2');
    expect(ini.options('s')).toEqual(['a', 'b']);
    expect(ini.sectionNames()).toEqual(['s', 't']);
  });

  it('rejects a repeated section or option when strict, naming the line', () => {
    expect(() => ConfigParser.parse('[s]\n[s]\n', { strict: true })).toThrow(
      expect.objectContaining({ line: 2, section: 's', code: 'ERR_INI_SYNTAX' }) as Error,
    );
    expect(() => ConfigParser.parse('[s]\na = 1\nA = 2\n', { strict: true })).toThrow(
      expect.objectContaining({ line: 3, option: 'a' }) as Error,
    );
  });

  it('returns the raw text without interpolation when asked', () => {
    const ini = ConfigParser.parse('[f]\nformat = %(asctime)s %(message)s\n');
    expect(ini.get('f', 'format', { raw: true })).toBe('%(asctime)s %(message)s');
    expect(() => ini.get('f', 'format')).toThrow(IniError);
    expect(ini.lineOf('f', 'format')).toBe(2);
    expect(ini.lineOf('f', 'nope')).toBeUndefined();
  });
});
