/**
 * Which SQL servers the conformance suites can use on this machine: SQLite always;
 * MariaDB (root, empty password) and PostgreSQL (trust) on 127.0.0.1 when they answer.
 */
import net from 'node:net';

export interface SqlBackendInfo {
  name: 'sqlite' | 'mysql' | 'postgresql';
  available: boolean;
  reason?: string;
  host?: string;
  port?: number;
}

function probePort(host: string, port: number, timeoutMs = 1500): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (reason: string | null): void => {
      sock.destroy();
      resolve(reason);
    };
    sock.setTimeout(timeoutMs, () => done(`no answer on ${host}:${port} within ${timeoutMs} ms`));
    sock.once('connect', () => done(null));
    sock.once('error', (err) => done(`${host}:${port}: ${err.message}`));
  });
}

export async function probeSqlBackends(): Promise<SqlBackendInfo[]> {
  const mysqlPort = Number(process.env.NODEPOOL_TEST_MYSQL_PORT ?? 3306);
  const pgPort = Number(process.env.NODEPOOL_TEST_PG_PORT ?? 5432);
  const [my, pg] = await Promise.all([
    probePort('127.0.0.1', mysqlPort),
    probePort('127.0.0.1', pgPort),
  ]);
  return [
    { name: 'sqlite', available: true },
    my === null
      ? { name: 'mysql', available: true, host: '127.0.0.1', port: mysqlPort }
      : { name: 'mysql', available: false, reason: my },
    pg === null
      ? { name: 'postgresql', available: true, host: '127.0.0.1', port: pgPort }
      : { name: 'postgresql', available: false, reason: pg },
  ];
}
