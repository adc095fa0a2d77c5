import { describe, expect, it } from 'vitest';
import { CENSORED, createLogger, maskUrlCredentials } from '../../../src/log/index.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: { write(s: string): void } } {
  const out: string[] = [];
  return {
    stream: { write: (s: string) => void out.push(s) },
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('redaction', () => {
  it('censors a password at any usual depth', () => {
    const c = capture();
    const log = createLogger({ destination: c.stream, level: 'debug' });
    log.info(
      {
        password: 'hunter2',
        provider: { name: 'cloud1', password: 'hunter2' },
        cloud: { auth: { password: 'hunter2' } },
      },
      'x',
    );
    const line = c.lines()[0]!;
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(line.password).toBe(CENSORED);
    expect(line.provider).toEqual({ name: 'cloud1', password: CENSORED });
  });

  it('keeps a dburi readable but drops its password', () => {
    const c = capture();
    const log = createLogger({ destination: c.stream });
    log.info({ dburi: 'mysql+pymysql://nodepool:s3cr3t@db.example.org/nodepool' }, 'connecting');
    log.info({ database: { dburi: 'postgresql://np:p%40ss@localhost:5432/np' } }, 'connecting');
    const [a, b] = c.lines();
    expect(a!.dburi).toBe('mysql+pymysql://nodepool:***@db.example.org/nodepool');
    expect(b!.database).toEqual({ dburi: 'postgresql://np:***@localhost:5432/np' });
  });

  it('masks URL credentials inside messages', () => {
    const c = capture();
    const log = createLogger({ destination: c.stream });
    log.info('Cannot connect to %s', 'mysql://nodepool:s3cr3t@db/nodepool');
    log.info('dburi=mysql://u:pw@h/db;');
    const [a, b] = c.lines();
    expect(a!.msg).toBe('Cannot connect to mysql://nodepool:***@db/nodepool');
    expect(b!.msg).toBe('dburi=mysql://u:***@h/db;');
  });
});

describe('maskUrlCredentials', () => {
  it('masks a password containing @ whole, and leaves URLs without one alone', () => {
    expect(maskUrlCredentials('mysql://u:p@ss@host/db')).toBe('mysql://u:***@host/db');
    expect(maskUrlCredentials('sqlite:////var/lib/nodepool/np.db')).toBe(
      'sqlite:////var/lib/nodepool/np.db',
    );
    expect(maskUrlCredentials('http://host:8080/path')).toBe('http://host:8080/path');
  });
});
