/**
 * `node-zookeeper-client`, loaded on first use. Importing the zk area for its paths, record
 * types and errors (the status tables, every `nodepool` verb that lists nodes) thus loads no
 * ZooKeeper client code; only opening a session or creating a znode does.
 */
import { createRequire } from 'node:module';
import type zookeeper from 'node-zookeeper-client';
import type jute from 'node-zookeeper-client/lib/jute/index.js';

const require = createRequire(import.meta.url);
let library: typeof zookeeper | undefined;
let juteLibrary: typeof jute | undefined;

/** The client library (CommonJS: the same object `import zookeeper from` would give). */
export function zkLibrary(): typeof zookeeper {
  return (library ??= require('node-zookeeper-client') as typeof zookeeper);
}

/** The library's wire-protocol records, for requests it offers no method for. */
export function zkJute(): typeof jute {
  return (juteLibrary ??= require('node-zookeeper-client/lib/jute/index.js') as typeof jute);
}
