import { describe, expect, it } from 'vitest';
import { AllocationHistory } from '../../../../src/launcher/allocation/allocation-history.js';

function round(history: AllocationHistory, grants: Record<string, number>): void {
  for (const [label, allocated] of Object.entries(grants)) {
    history.recordRequest(label, 1);
    if (allocated > 0) history.recordGrant(label, allocated);
  }
  history.closeRound();
}

describe('AllocationHistory', () => {
  it('counts consecutive closed rounds in which the label got nothing', () => {
    const history = new AllocationHistory();
    round(history, { a: 1, b: 0 });
    round(history, { a: 0, b: 0 });
    round(history, { a: 0, b: 0 });
    expect(history.waitTime('a')).toBe(2);
    expect(history.waitTime('b')).toBe(3);
  });

  it('stops counting at a round where the label is absent', () => {
    const history = new AllocationHistory();
    round(history, { a: 0 });
    round(history, { b: 0 });
    round(history, { a: 0 });
    expect(history.waitTime('a')).toBe(1);
    expect(history.waitTime('unknown')).toBe(0);
  });

  it('ignores the open round', () => {
    const history = new AllocationHistory();
    round(history, { a: 0 });
    history.recordRequest('a', 1);
    history.recordGrant('a', 1);
    expect(history.waitTime('a')).toBe(1);
    expect(history.currentRecord('a')).toEqual({ requested: 1, allocated: 1 });
  });

  it('adds up requests and grants of one round', () => {
    const history = new AllocationHistory();
    history.recordRequest('a', 2);
    history.recordRequest('a', 3);
    history.recordGrant('a', 1);
    history.recordGrant('a', 2);
    history.closeRound();
    expect(history.rounds()[0]!.get('a')).toEqual({ requested: 5, allocated: 3 });
  });

  it('keeps at most depth rounds, 100 by default', () => {
    const history = new AllocationHistory();
    for (let i = 0; i < 150; i += 1) round(history, { a: 0 });
    expect(history.rounds()).toHaveLength(100);
    expect(history.waitTime('a')).toBe(100);
    const short = new AllocationHistory({ depth: 3 });
    for (let i = 0; i < 5; i += 1) round(short, { a: 0 });
    expect(short.waitTime('a')).toBe(3);
  });

  it('rejects a grant for a label that did not ask in this round', () => {
    const history = new AllocationHistory();
    expect(() => history.recordGrant('a', 1)).toThrow(RangeError);
    expect(() => history.recordGrant('a', 1)).toThrow(
      'Cannot record a grant for label "a": no request was recorded for it in this round',
    );
  });

  it('rejects a depth that is not a positive integer', () => {
    expect(() => new AllocationHistory({ depth: 0 })).toThrow(
      'Cannot create an allocation history: depth must be a positive integer: current value is 0',
    );
  });
});
