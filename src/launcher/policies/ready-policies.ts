/**
 * Ready-node policies beyond 0.4.0, run by each pass before allocation (docs/configuration.md
 * "Beyond 0.4.0"):
 *
 * - `min-ready-schedule`: the label's effective `min-ready` (first matching period, else its
 *   own) replaces `min-ready` in demand; when it drops, ready nodes above it plus the queued
 *   demand are deleted, oldest first.
 * - `max-ready-age` and `refresh-on-new-image`: a stale ready node (too old, or booted from an
 *   image older than the current upload) is replaced one at a time per label. While one is
 *   stale the label asks for one node more than its `min-ready`; the stale node is deleted
 *   only once the label has a ready node to spare, so it never drops below `min-ready` on
 *   this account.
 *
 * Only `ready` nodes that no Zuul manager took (`manager_name` empty) are ever deleted, each
 * with a conditional `ready` → `delete` write (a node a job takes meanwhile stays), then
 * handed to the deleter. A label without these keys is left exactly as 0.4.0 handles it.
 */
import type { CompiledConfig, CompiledLabel, EffectiveMinReady } from '../../config/index.js';
import { effectiveMinReady } from '../../config/index.js';
import { stateFromCode } from '../../db/index.js';
import type { NodeRecord } from '../../db/index.js';
import type { NodeCount } from '../allocation/index.js';
import type { LauncherContext } from '../context.js';
import { systemWallClock } from '../context.js';
import { staleReason } from './staleness.js';

type MutableCount = { -readonly [K in keyof NodeCount]: NodeCount[K] };

/** What {@link applyReadyPolicies} needs from the pass. */
export interface ReadyPolicyInput {
  /** The pass's node counts; a deleted node's group loses one `ready` node. */
  readonly counts: MutableCount[];
  /** Queued Zuul jobs per label this pass. */
  readonly gearmanDemand: ReadonlyMap<string, number>;
  /** Starts a node's deletion; absent (`--no-deletes`): nothing is deleted. */
  readonly deleteNode?: (nodeId: number, reason: string) => void;
}

/** What the policies decided for one pass. */
export interface ReadyPolicyResult {
  /**
   * The config to plan launches with: each label's `minReady` is its effective value, plus
   * one while a stale ready node of it waits for its replacement. The config in force when
   * no label has a policy key.
   */
  readonly config: CompiledConfig;
  /** Effective `min-ready` of each label with a schedule. */
  readonly effective: ReadonlyMap<string, EffectiveMinReady>;
  /** Node ids whose deletion was started, in order. */
  readonly deleted: readonly number[];
}

function hasPolicy(l: CompiledLabel): boolean {
  return (
    l.minReadySchedule !== undefined ||
    l.maxReadyAgeMs !== undefined ||
    l.refreshOnNewImage === true
  );
}

/** Oldest ready first: by the time it became ready, then by id. */
function byAge(a: NodeRecord, b: NodeRecord): number {
  return (a.stateTime ?? 0) - (b.stateTime ?? 0) || a.id - b.id;
}

/** Runs the policies for one pass; see the module comment. */
export async function applyReadyPolicies(
  ctx: LauncherContext,
  input: ReadyPolicyInput,
): Promise<ReadyPolicyResult> {
  const config = ctx.config();
  const labels = config.labels.filter(hasPolicy);
  if (labels.length === 0) return { config, effective: new Map(), deleted: [] };
  const nowMs = (ctx.clock ?? systemWallClock).now();
  const ready = await ctx.db().nodes.list({ labels: labels.map((l) => l.name), state: 'ready' });
  const effective = new Map<string, EffectiveMinReady>();
  const minReady = new Map<string, number>();
  const deleted: number[] = [];
  const images = new Map<string, Promise<string | null>>();
  for (const label of labels) {
    const eff = effectiveMinReady(label, nowMs);
    if (label.minReadySchedule !== undefined) effective.set(label.name, eff);
    minReady.set(label.name, eff.minReady);
    const isDisabled = eff.minReady < 0;
    // A disabled label asks for nothing; a scheduled one keeps no ready node either.
    if (isDisabled && label.minReadySchedule === undefined) continue;
    const mine = ready.filter((n) => n.labelName === label.name).sort(byAge);
    const keep = isDisabled ? 0 : eff.minReady + (input.gearmanDemand.get(label.name) ?? 0);
    let readyCount = mine.length;
    const unassigned = mine.filter((n) => n.managerName === null || n.managerName === '');
    const drop = async (node: NodeRecord, reason: string): Promise<boolean> => {
      if (input.deleteNode === undefined) return false;
      if (!(await ctx.db().nodes.setStateIf(node.id, ['ready'], 'delete'))) return false;
      ctx.log.info('Deleting ready node %d of label %s: %s', node.id, label.name, reason);
      input.deleteNode(node.id, reason);
      deleted.push(node.id);
      readyCount -= 1;
      const group = input.counts.find(
        (c) =>
          c.provider === node.providerName &&
          c.label === node.labelName &&
          c.target === node.targetName &&
          c.state === stateFromCode(node.state),
      );
      if (group !== undefined) group.nodes -= 1;
      ctx.gaugesChanged();
      return true;
    };
    const gone = new Set<number>();
    if (label.minReadySchedule !== undefined) {
      const why =
        eff.period === null
          ? isDisabled
            ? 'the label is disabled (min-ready below 0) outside every period'
            : `above the label's min-ready ${eff.minReady} plus demand`
          : `above min-ready ${eff.minReady} of period ${eff.period} ("${eff.cron ?? ''}") plus demand`;
      for (const node of unassigned) {
        if (readyCount <= keep) break;
        if (await drop(node, why)) gone.add(node.id);
      }
    }
    if (isDisabled) continue;
    const stale: { node: NodeRecord; reason: string }[] = [];
    for (const node of unassigned) {
      if (gone.has(node.id)) continue;
      const reason = await staleReason(ctx, label, node, { nowMs, images });
      if (reason !== null) stale.push({ node, reason });
    }
    const first = stale[0];
    if (first !== undefined && readyCount > keep && (await drop(first.node, first.reason)))
      stale.shift();
    // One replacement at a time: the label asks for one node more while any is stale.
    if (stale.length > 0) minReady.set(label.name, eff.minReady + 1);
  }
  const changed = config.labels.some(
    (l) => minReady.has(l.name) && minReady.get(l.name) !== l.minReady,
  );
  const planned: CompiledConfig = changed
    ? {
        ...config,
        labels: config.labels.map((l) => {
          const n = minReady.get(l.name);
          return n === undefined || n === l.minReady ? l : { ...l, minReady: n };
        }),
      }
    : config;
  return { config: planned, effective, deleted };
}
