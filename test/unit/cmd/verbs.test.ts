/**
 * The verb catalog of `nodepool` (src/cmd/nodepool/index.ts), which `--help` and the parser
 * read without loading any verb: every entry loads a module that exports `run`.
 */
import { describe, expect, it } from 'vitest';
import { VERBS } from '../../../src/cmd/nodepool/index.js';

describe('VERBS', () => {
  it('names each verb once', () => {
    const names = VERBS.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(VERBS.map((v) => [v.name, v] as const))(
    'loads %s with a run function',
    async (_name, entry) => {
      const module = await entry.load();
      expect(typeof module.run).toBe('function');
    },
  );
});
