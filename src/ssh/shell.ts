/** POSIX shell quoting for commands sent to nodes. */

/**
 * Quotes `value` as one word for a POSIX shell: bare when it only has safe characters,
 * otherwise in single quotes with embedded quotes escaped.
 */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Returns `KEY='value'` assignments for every variable of `env` whose name starts with
 * `NODEPOOL_` and is a valid shell name, sorted by name, joined by spaces.
 */
export function nodepoolEnvAssignments(env: Readonly<Record<string, string | undefined>>): string {
  return Object.keys(env)
    .filter(
      (k) =>
        k.startsWith('NODEPOOL_') && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && env[k] !== undefined,
    )
    .sort()
    .map((k) => `${k}=${shellQuote(env[k] ?? '')}`)
    .join(' ');
}
