/**
 * Which rows a launcher's crons (`cleanup`, `check`) work on when several launchers share
 * the database (issue #15): those of the providers it owns, and, on the leader only, those
 * of providers no longer configured (nobody owns them, yet their `delete`, stale and
 * unreachable rows must still go).
 */
import type { CompiledConfig } from '../../config/index.js';

/** What the rule asks the cluster member. */
export interface Ownership {
  owns(provider: string): boolean;
  isLeader(): boolean;
}

/** The filter of the crons: true for a provider whose rows this launcher looks after. */
export function ownedBy(
  member: Ownership,
  config: Pick<CompiledConfig, 'providers'>,
): (provider: string) => boolean {
  const configured = new Set(config.providers.map((p) => p.name));
  const isLeader = member.isLeader();
  return (provider) => member.owns(provider) || (isLeader && !configured.has(provider));
}
