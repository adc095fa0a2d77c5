import { describe, expect, it } from 'vitest';
import { buildKnexConfig, DbUriError, parseDbUri, redactDbUri } from '../../../src/db/index.js';

describe('parseDbUri', () => {
  it('reads every MySQL form and ignores the driver', () => {
    for (const scheme of ['mysql', 'mysql+pymysql', 'mysql+mysqldb']) {
      expect(
        parseDbUri(`${scheme}://nodepool:secret@db.example.org:3307/nodepool?charset=utf8`),
      ).toMatchObject({
        dialect: 'mysql',
        scheme,
        user: 'nodepool',
        password: 'secret',
        host: 'db.example.org',
        port: 3307,
        database: 'nodepool',
        options: { charset: 'utf8' },
      });
    }
    expect(parseDbUri('mysql+pymysql://nodepool@localhost/nodepool')).toMatchObject({
      user: 'nodepool',
      host: 'localhost',
      database: 'nodepool',
    });
    expect(parseDbUri('mysql+pymysql://nodepool@localhost/nodepool').password).toBeUndefined();
  });

  it('reads every PostgreSQL form', () => {
    for (const scheme of ['postgresql', 'postgresql+psycopg2', 'postgres']) {
      expect(parseDbUri(`${scheme}://u:p@h:5432/nodepool`)).toMatchObject({
        dialect: 'postgresql',
        user: 'u',
        password: 'p',
        host: 'h',
        port: 5432,
        database: 'nodepool',
      });
    }
    expect(parseDbUri('postgresql://u@[::1]:6543/db')).toMatchObject({ host: '::1', port: 6543 });
  });

  it('reads relative, absolute and in-memory SQLite URLs', () => {
    expect(parseDbUri('sqlite:///nodepool.db').database).toBe('nodepool.db');
    expect(parseDbUri('sqlite:////var/lib/nodepool/nodepool.db').database).toBe(
      '/var/lib/nodepool/nodepool.db',
    );
    expect(parseDbUri('sqlite://').database).toBe(':memory:');
    expect(parseDbUri('sqlite:///:memory:').database).toBe(':memory:');
  });

  it('decodes a URL-encoded password, even one holding @ : / and %', () => {
    const p = parseDbUri('mysql://nodepool:p%40ss%3Aw%2Fo%25rd@db/nodepool');
    expect(p.password).toBe('p@ss:w/o%rd');
    expect(p.host).toBe('db');
    expect(parseDbUri('mysql://u:a@b@db/x')).toMatchObject({ password: 'a@b', host: 'db' });
  });

  it('rejects an unknown dialect naming the scheme and hiding the password', () => {
    let err: unknown;
    try {
      parseDbUri('oracle+cx://scott:tiger@db/orcl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbUriError);
    expect((err as DbUriError).message).toBe(
      'Cannot use dburi "oracle+cx://scott:***@db/orcl": unsupported database "oracle": use mysql, postgresql or sqlite',
    );
    expect((err as DbUriError).scheme).toBe('oracle+cx');
  });

  it('rejects a text without a scheme without echoing it', () => {
    expect(() => parseDbUri('nodepool:secret@db/nodepool')).toThrow(DbUriError);
    expect(() => parseDbUri('nodepool:secret@db/nodepool')).not.toThrow(/secret/);
  });

  it('rejects a bad port and a SQLite URL with a host, hiding the password', () => {
    expect(() => parseDbUri('mysql://u:pw@db:abc/x')).toThrow(
      'Cannot parse dburi "mysql://u:***@db:abc/x": the port must be an integer from 1 to 65535: current value is "abc"',
    );
    expect(() => parseDbUri('sqlite://host/x.db')).toThrow(/a sqlite URL has no host/);
    expect(() => parseDbUri('mysql://u:%zz@db/x')).toThrow(
      'Cannot parse dburi of scheme "mysql": the password has a bad %-escape',
    );
  });

  it('redacts passwords in any dburi text', () => {
    expect(redactDbUri('mysql+pymysql://u:secret@h/db')).toBe('mysql+pymysql://u:***@h/db');
    expect(redactDbUri('garbage secret')).toBe('<dburi>');
    expect(parseDbUri('postgresql://u:secret@h/db?sslmode=require').redacted).toBe(
      'postgresql://u:***@h/db?sslmode=require',
    );
  });
});

describe('buildKnexConfig', () => {
  it('maps MySQL options and bounds the pool at 10 by default', () => {
    const b = buildKnexConfig(
      parseDbUri(
        'mysql+pymysql://u:p@h/db?charset=utf8&unix_socket=/run/mysqld.sock&connect_timeout=5&use_unicode=0',
      ),
    );
    expect(b.config.client).toBe('mysql2');
    expect(b.config.connection).toEqual({
      host: 'h',
      port: 3306,
      user: 'u',
      password: 'p',
      database: 'db',
      charset: 'UTF8',
      socketPath: '/run/mysqld.sock',
      connectTimeout: 5000,
    });
    expect(b.config.pool).toMatchObject({ min: 0, max: 10 });
    expect(b.ignoredOptions).toEqual(['use_unicode']);
  });

  it('maps PostgreSQL options and a configured pool bound', () => {
    const b = buildKnexConfig(
      parseDbUri('postgresql://u@h/db?sslmode=require&application_name=np'),
      { poolMax: 4 },
    );
    expect(b.config.connection).toEqual({
      host: 'h',
      port: 5432,
      user: 'u',
      database: 'db',
      ssl: { rejectUnauthorized: false },
      application_name: 'np',
    });
    expect(b.config.pool).toMatchObject({ max: 4 });
    expect(() => buildKnexConfig(parseDbUri('postgresql://u:pw@h/db?sslmode=bogus'))).toThrow(
      /"sslmode" must be one of/,
    );
    expect(() => buildKnexConfig(parseDbUri('postgresql://u@h/db'), { poolMax: 0 })).toThrow(
      RangeError,
    );
  });

  it('resolves a relative SQLite path against the working directory and uses one connection', () => {
    const b = buildKnexConfig(parseDbUri('sqlite:///state/nodepool.db'), { cwd: '/srv/np' });
    expect(b.filename).toBe('/srv/np/state/nodepool.db');
    expect(b.config.pool).toMatchObject({ min: 1, max: 1 });
    expect(buildKnexConfig(parseDbUri('sqlite://')).filename).toBe(':memory:');
  });
});
