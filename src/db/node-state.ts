/**
 * Node and subnode states: the integer codes stored in `node.state` / `subnode.state`
 * (upstream 0.4.0 `nodedb.py`) and the names the CLI and statsd print. The only place that
 * maps one to the other.
 */

/** A node's state, by name. */
export type NodeState = 'building' | 'ready' | 'used' | 'delete' | 'hold' | 'test';

/** Code stored in the database for each state. */
export const NODE_STATE_CODES: Readonly<Record<NodeState, number>> = Object.freeze({
  building: 1,
  ready: 2,
  used: 3,
  delete: 4,
  hold: 5,
  test: 6,
});

const NAMES: ReadonlyMap<number, NodeState> = new Map(
  Object.entries(NODE_STATE_CODES).map(([name, code]) => [code, name as NodeState]),
);

/** Every state name, in code order. */
export const NODE_STATES: readonly NodeState[] = Object.freeze([...NAMES.values()]);

/** The code stored for `state`. */
export function stateCode(state: NodeState): number {
  return NODE_STATE_CODES[state];
}

/** The state for a stored code, or undefined for a code 0.4.0 never writes. */
export function stateFromCode(code: number | null | undefined): NodeState | undefined {
  return code == null ? undefined : NAMES.get(code);
}

/**
 * The name printed for a stored code. An unknown code prints as its number (upstream
 * crashes), a NULL as `None`.
 */
export function stateName(code: number | null | undefined): string {
  if (code == null) return 'None';
  return NAMES.get(code) ?? String(code);
}

/** True when `text` is one of the state names. */
export function isNodeState(text: string): text is NodeState {
  return Object.hasOwn(NODE_STATE_CODES, text);
}
