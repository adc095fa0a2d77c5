/** A statsd client that keeps every metric as a statsd line, for assertions on names. */
import type { Stats } from '../../../src/stats/index.js';

/** {@link Stats} recording `key:value|type` lines in order. */
export interface RecordingStats extends Stats {
  readonly lines: string[];
}

/** A recording statsd client. */
export function recordingStats(): RecordingStats {
  const lines: string[] = [];
  return {
    isEnabled: true,
    lines,
    timing: (key, ms) => lines.push(`${key}:${ms}|ms`),
    increment: (key, value = 1) => lines.push(`${key}:${value}|c`),
    gauge: (key, value) => lines.push(`${key}:${value}|g`),
    close: () => Promise.resolve(),
  };
}
