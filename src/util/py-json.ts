/**
 * JSON text as Python's `json.dumps` writes it with default settings: `", "` and `": "`
 * separators, keys in insertion order, non-ASCII escaped as `\uXXXX`. Used where a peer
 * (Jenkins, a Gearman worker) received upstream's exact bytes and ours should match.
 */

/** Serialises `value` like Python's `json.dumps(value)`. `undefined` members are dropped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      parts.push(`${escapeString(k)}: ${pythonJsonDumps(v)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  throw new TypeError(`Cannot serialise a ${typeof value} as JSON`);
}

function escapeString(s: string): string {
  // JSON.stringify already escapes quotes, backslashes and control characters; Python's
  // ensure_ascii additionally escapes everything above 0x7e as UTF-16 code units.
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
