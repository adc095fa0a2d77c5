import { describe, expect, it } from 'vitest';
import {
  isNodeState,
  NODE_STATES,
  stateCode,
  stateFromCode,
  stateName,
} from '../../../src/db/index.js';

describe('node states', () => {
  it('maps the six upstream codes both ways', () => {
    expect(NODE_STATES).toEqual(['building', 'ready', 'used', 'delete', 'hold', 'test']);
    expect(NODE_STATES.map(stateCode)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of NODE_STATES) expect(stateFromCode(stateCode(s))).toBe(s);
  });

  it('prints an unknown code as its number and NULL as None', () => {
    expect(stateName(9)).toBe('9');
    expect(stateName(0)).toBe('0');
    expect(stateName(null)).toBe('None');
    expect(stateFromCode(9)).toBeUndefined();
  });

  it('recognises state names only', () => {
    expect(isNodeState('hold')).toBe(true);
    expect(isNodeState('toString')).toBe(false);
  });
});
