/**
 * Malformed-input fuzzing with a fixed seed (the full campaign is `npm run chaos fuzz`):
 * 1,000 mutated configs through loadConfig/validateConfig, 10,000 ZeroMQ messages through
 * parseJenkinsEvent, 10,000 Gearman status replies through parseStatusReply/computeDemand.
 * No case may crash or give an error without a location.
 */
import { describe, expect, it } from 'vitest';
import { fuzzConfig, fuzzGearman, fuzzJenkins } from '../../../bench/chaos/fuzz/fuzzers.js';

const SEED = 20261121;

describe('chaos: fuzzing', () => {
  it('config loader: ConfigError with a file and a YAML path or line, never a crash', async () => {
    const r = await fuzzConfig(SEED, 1000);
    expect(r.findings).toEqual([]);
    expect(r.rejected).toBeGreaterThan(0);
  }, 120_000);

  it('ZeroMQ message parser: never throws, errors carry an offset or JSON path', async () => {
    const r = await fuzzJenkins(SEED, 10_000);
    expect(r.findings).toEqual([]);
    expect(r.accepted).toBeGreaterThan(0);
  });

  it('Gearman status parser: never throws, problems carry their line and server', async () => {
    const r = await fuzzGearman(SEED, 10_000);
    expect(r.findings).toEqual([]);
    expect(r.rejected).toBeGreaterThan(0);
  });
});
