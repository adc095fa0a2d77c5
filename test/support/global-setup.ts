/**
 * Vitest global setup: starts the services shared by all test files and tells each file
 * where they are through `provide`/`inject`. Each service block below is owned by the
 * support module it imports; a service that cannot run prints a loud SKIPPED line.
 */
import type { TestProject } from 'vitest/node';
import { probeSqlBackends } from './sql-backends.js';
import type { SqlBackendInfo } from './sql-backends.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from './zookeeper.js';
import type { ZooKeeperInfo } from './zookeeper.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardowns: Array<() => Promise<void>> = [];

  const sql = await probeSqlBackends();
  for (const b of sql) {
    if (!b.available) {
      process.stderr.write(`\n*** SKIPPED: SQL backend ${b.name}: ${b.reason} ***\n\n`);
    }
  }
  project.provide('sqlBackends', sql);

  // One shared standalone ZooKeeper; each test file works under its own chroot.
  const zkReason = zooKeeperUnavailableReason();
  if (zkReason === null) {
    const zk = await ZooKeeperServer.start();
    teardowns.push(() => zk.stop());
    project.provide('zookeeper', { available: true, host: zk.host, port: zk.port });
  } else {
    process.stderr.write(`\n*** SKIPPED: ZooKeeper tests: ${zkReason} ***\n\n`);
    project.provide('zookeeper', { available: false, reason: zkReason });
  }

  return async () => {
    for (const t of teardowns.reverse()) await t();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    sqlBackends: SqlBackendInfo[];
    zookeeper: ZooKeeperInfo;
  }
}
