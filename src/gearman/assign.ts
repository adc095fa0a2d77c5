/**
 * Node assignment through Gearman for `assign-via-gearman` targets (docs/behaviour.md#gearman-and-zuul,
 * upstream `jobs.NodeAssignmentJob` / `NodeRevokeJob`).
 */
import { jsonDumps } from '../compat/index.js';
import type { GearmanClient } from './client.js';
import { NodepoolError } from '../errors.js';

/** What a node manager is told about a new node (upstream's JSON arguments). */
export interface NodeAssignmentRequest {
  /** The node's `nodename`. */
  name: string;
  /** The node's IP address. */
  host: string;
  /** The node's label name. */
  label: string;
  /** The image's `user-home`. */
  root: string;
}

/** Result of a successful assignment. */
export interface NodeAssignment {
  /** The `manager` field of the last data packet: stored in `node.manager_name`. */
  manager: string;
  /** Every data packet received, oldest first. */
  data: string[];
}

/** Options of {@link assignNode}. */
export interface AssignOptions {
  /** Limit for a server to accept the job. @default 300_000 (upstream) */
  submitTimeoutMs?: number;
  /**
   * Aborts the wait for completion. Upstream waits without limit; pass
   * `AbortSignal.timeout(ms)` to bound it.
   */
  signal?: AbortSignal;
}

/** Gearman function name of an assignment for a target. */
export function assignFunction(target: string): string {
  return `node_assign:${target}`;
}

/** Gearman function name of a revocation for a manager. */
export function revokeFunction(manager: string): string {
  return `node_revoke:${manager}`;
}

/** The JSON arguments of `node_assign:<target>`, byte for byte as upstream sends them. */
export function assignmentArguments(req: NodeAssignmentRequest): string {
  return jsonDumps({
    name: req.name,
    host: req.host,
    description: `Dynamic single use ${req.label} node`,
    labels: req.label,
    root: req.root,
  });
}

/**
 * Submits `node_assign:<target>` and waits for it to complete; returns the manager named in
 * the last data packet.
 * @throws GearmanNotConnectedError | GearmanError when no server accepts the job
 * @throws GearmanJobFailedError when the job fails, raises or loses its server
 * @throws GearmanAssignmentReplyError when the reply has no JSON object with a string `manager`
 */
export async function assignNode(
  client: GearmanClient,
  target: string,
  req: NodeAssignmentRequest,
  options: AssignOptions = {},
): Promise<NodeAssignment> {
  const name = assignFunction(target);
  const job = await client.submitJob(name, assignmentArguments(req), {
    timeoutMs: options.submitTimeoutMs ?? 300_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const data = await job.wait(options.signal ? { signal: options.signal } : {});
  const last = data[data.length - 1];
  if (last === undefined) {
    throw new NodepoolError(
      `Cannot assign node "${req.name}": job "${name}" completed without data`,
      { code: 'ERR_GEARMAN_ASSIGNMENT_REPLY', details: { job: name } },
    );
  }
  let reply: unknown;
  try {
    reply = JSON.parse(last);
  } catch (err) {
    throw new NodepoolError(
      `Cannot assign node "${req.name}": job "${name}" returned data that is not JSON: ${JSON.stringify(last.slice(0, 200))}`,
      { code: 'ERR_GEARMAN_ASSIGNMENT_REPLY', details: { job: name }, cause: err },
    );
  }
  const manager =
    typeof reply === 'object' && reply !== null
      ? (reply as Record<string, unknown>).manager
      : undefined;
  if (typeof manager !== 'string') {
    throw new NodepoolError(
      `Cannot assign node "${req.name}": job "${name}" returned no string "manager": current value is ${JSON.stringify(manager) ?? 'missing'}`,
      { code: 'ERR_GEARMAN_ASSIGNMENT_REPLY', details: { job: name } },
    );
  }
  return { manager, data };
}

/**
 * Submits `node_revoke:<manager>` with `{"name": nodename}` and returns once a server
 * accepted it; the completion is not awaited, since the manager may be gone (as upstream).
 * @throws GearmanNotConnectedError | GearmanError when no server accepts the job
 */
export async function revokeNode(
  client: GearmanClient,
  manager: string,
  nodename: string,
  options: { submitTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  await client.submitJob(revokeFunction(manager), jsonDumps({ name: nodename }), {
    timeoutMs: options.submitTimeoutMs ?? 300_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
