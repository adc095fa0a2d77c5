import { describe, expect, it } from 'vitest';
import { rendezvousAssign, rendezvousOwner, rendezvousWeight } from '../../../src/cluster/index.js';

const providers = Array.from({ length: 300 }, (_, i) => `provider-${i}`);
const members = ['launcher-a', 'launcher-b', 'launcher-c', 'launcher-d'];

describe('rendezvous hashing', () => {
  it('is a stable function of the names alone (fixed weights, order of members irrelevant)', () => {
    // Pinned so that every version of the launcher picks the same owners.
    expect(rendezvousWeight('rax-dfw', 'launcher-a')).toBe(0x96635687b6f8e10dn);
    expect(rendezvousWeight('rax-dfw', 'launcher-a')).toBe(
      rendezvousWeight('rax-dfw', 'launcher-a'),
    );
    expect(rendezvousWeight('rax-dfw', 'launcher-a')).not.toBe(
      rendezvousWeight('rax-dfw', 'launcher-b'),
    );
    for (const p of providers.slice(0, 50)) {
      expect(rendezvousOwner(p, members)).toBe(rendezvousOwner(p, [...members].reverse()));
    }
  });

  it('has no owner without members and the only member otherwise', () => {
    expect(rendezvousOwner('x', [])).toBeNull();
    expect(rendezvousOwner('x', ['solo'])).toBe('solo');
  });

  it('does not depend on a boundary between key and member', () => {
    // "ab"+"c" and "a"+"bc" must not collide into the same hash input.
    expect(rendezvousWeight('ab', 'c')).not.toBe(rendezvousWeight('a', 'bc'));
  });

  it('moves only the joining member\u2019s share when a member joins', () => {
    const before = rendezvousAssign(providers, members);
    const after = rendezvousAssign(providers, [...members, 'launcher-e']);
    let moved = 0;
    for (const p of providers) {
      if (before.get(p) !== after.get(p)) {
        moved++;
        expect(after.get(p)).toBe('launcher-e');
      }
    }
    // About 1/5 of the providers; far from 0 and from all.
    expect(moved).toBeGreaterThan(providers.length / 10);
    expect(moved).toBeLessThan(providers.length / 3);
  });

  it('moves only the leaving member\u2019s providers when a member leaves', () => {
    const before = rendezvousAssign(providers, members);
    const after = rendezvousAssign(
      providers,
      members.filter((m) => m !== 'launcher-b'),
    );
    for (const p of providers) {
      if (before.get(p) === 'launcher-b') expect(after.get(p)).not.toBe('launcher-b');
      else expect(after.get(p)).toBe(before.get(p));
    }
  });

  it('spreads providers evenly enough', () => {
    const counts = new Map<string, number>();
    for (const owner of rendezvousAssign(providers, members).values())
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(members);
    for (const n of counts.values()) {
      // 75 expected each; a fair hash stays well within ±40%.
      expect(n).toBeGreaterThan(45);
      expect(n).toBeLessThan(105);
    }
  });
});
