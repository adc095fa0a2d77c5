/** Public surface of the database area: dburi parsing, the pool, repositories, states. */
export { parseDbUri, redactDbUri } from './dburi.js';
export type { Dialect, ParsedDbUri } from './dburi.js';
export { DbUriError } from './errors.js';
export { buildKnexConfig, DEFAULT_POOL_MAX } from './knex-config.js';
export type { BuiltKnexConfig, PoolOptions } from './knex-config.js';
export { Database, openDatabase, acquireDatabase } from './database.js';
export type { DatabaseOptions, DatabaseLease, Repos } from './database.js';
export type {
  JobStore,
  NodeStore,
  PublicPart,
  RepoPorts,
  SnapshotImageStore,
  SubnodeStore,
} from './ports.js';
export {
  NODE_STATES,
  NODE_STATE_CODES,
  stateCode,
  stateFromCode,
  stateName,
  isNodeState,
} from './node-state.js';
export type { NodeState } from './node-state.js';
export type { NodeRecord, SubnodeRecord, JobRecord } from './records.js';
export { NodeRepo } from './node-repo.js';
export type { NewNode, NodePatch, NodeFilter, NodeCount, NodeCountKey } from './node-repo.js';
export { SubnodeRepo } from './subnode-repo.js';
export type { NewSubnode, SubnodePatch, SubnodeTally, ParentGroupCount } from './subnode-repo.js';
export { JobRepo } from './job-repo.js';
export {
  SnapshotImageRepo,
  SNAPSHOT_IMAGE_TABLE,
  snapshotStateCode,
  snapshotStateName,
} from './snapshot-image-repo.js';
export type {
  SnapshotImageRecord,
  SnapshotImagePatch,
  SnapshotImageState,
} from './snapshot-image-repo.js';
export {
  tableDdl,
  UPSTREAM_TABLES,
  UPSTREAM_INDEXES,
  upstreamDdl,
  ensureUpstreamSchema,
} from './schema.js';
export type { UpstreamTable } from './schema.js';
export { MIGRATIONS, MIGRATIONS_TABLE, runMigrations } from './migrations.js';
export type { Migration } from './migrations.js';
