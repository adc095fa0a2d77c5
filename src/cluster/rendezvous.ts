/**
 * Rendezvous (highest random weight) hashing: every member computes the same owner for a
 * provider from the provider name and the live member names alone, and a member joining or
 * leaving moves only the providers it wins or held.
 */
import { createHash } from 'node:crypto';

/** The weight of `member` for `key`: the first 8 bytes of sha256(key NUL member), unsigned. */
export function rendezvousWeight(key: string, member: string): bigint {
  const digest = createHash('sha256').update(key).update('\0').update(member).digest();
  return digest.readBigUInt64BE(0);
}

/**
 * The member with the highest weight for `key` (ties, which need a 64-bit collision, go to
 * the smaller name), or null when there is no member.
 */
export function rendezvousOwner(key: string, members: Iterable<string>): string | null {
  let best: string | null = null;
  let bestWeight = -1n;
  for (const m of members) {
    const w = rendezvousWeight(key, m);
    if (w > bestWeight || (w === bestWeight && best !== null && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/** The owner of each key among `members` (keys without owner are left out). */
export function rendezvousAssign(
  keys: Iterable<string>,
  members: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const owner = rendezvousOwner(k, members);
    if (owner !== null) out.set(k, owner);
  }
  return out;
}
