/**
 * The repositories as ports: their public methods without the SQL binding. The launcher and
 * the snapshot code take these, so `Database` serves them over SQL and unit tests serve them
 * from memory (`test/support/memory/`).
 */
import type { JobRepo } from './job-repo.js';
import type { NodeRepo } from './node-repo.js';
import type { SnapshotImageRepo } from './snapshot-image-repo.js';
import type { SubnodeRepo } from './subnode-repo.js';

/** The public members of a class (its private and protected ones left out). */
export type PublicPart<T> = { [K in keyof T]: T[K] };

/** The `node` table's operations. */
export type NodeStore = PublicPart<NodeRepo>;
/** The `subnode` table's operations. */
export type SubnodeStore = PublicPart<SubnodeRepo>;
/** The `job` table's operations. */
export type JobStore = PublicPart<JobRepo>;
/** The `snapshot_image` table's operations. */
export type SnapshotImageStore = PublicPart<SnapshotImageRepo>;

/** The repositories the launcher's parts use; a `Database` is one. */
export interface RepoPorts {
  readonly nodes: NodeStore;
  readonly subnodes: SubnodeStore;
  readonly jobs: JobStore;
  readonly snapshotImages: SnapshotImageStore;
}
