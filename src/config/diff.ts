/**
 * Reconfigure by value: which providers a new configuration keeps, changes, adds or
 * removes, comparing the compiled provider settings deeply (upstream `Provider.__eq__`
 * compares every setting that matters; we compare all of them).
 */
import { isDeepStrictEqual } from 'node:util';
import type { CompiledConfig, CompiledProvider } from './types.js';

/** Provider names sorted into what a reconfigure must do. */
export interface ProviderDiff {
  /** Same name, deep-equal settings: keep the running provider. */
  readonly unchanged: readonly string[];
  /** Same name, different settings: stop the old one, start a new one. */
  readonly changed: readonly string[];
  /** Only in the new configuration: start. */
  readonly added: readonly string[];
  /** Only in the old configuration: stop. */
  readonly removed: readonly string[];
}

/** True when two compiled providers are interchangeable. */
export function isSameProvider(a: CompiledProvider, b: CompiledProvider): boolean {
  return isDeepStrictEqual(a, b);
}

/**
 * Compares the providers of two configurations by value. `old` may be undefined (first load).
 * Names keep the order of the configuration they come from.
 */
export function diffProviders(old: CompiledConfig | undefined, next: CompiledConfig): ProviderDiff {
  const before = new Map((old?.providers ?? []).map((p) => [p.name, p]));
  const after = new Set(next.providers.map((p) => p.name));
  const unchanged: string[] = [];
  const changed: string[] = [];
  const added: string[] = [];
  for (const p of next.providers) {
    const prev = before.get(p.name);
    if (prev === undefined) added.push(p.name);
    else if (isSameProvider(prev, p)) unchanged.push(p.name);
    else changed.push(p.name);
  }
  const removed = [...before.keys()].filter((name) => !after.has(name));
  return { unchanged, changed, added, removed };
}
