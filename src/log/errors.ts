import { NodepoolError } from '../errors.js';

/** Where in a logging config file a problem sits. */
export interface LogConfigLocation {
  /** INI section (`handler_file`) or YAML path (`loggers.kazoo`). */
  readonly section?: string;
  /** Key inside the section (`class`, `args`, `level`). */
  readonly key?: string;
  /** 1-based line, when known. */
  readonly line?: number;
}

/**
 * The `-l` logging config cannot be read or uses something we do not support:
 * ERR_CONFIG_INVALID (exit status 2, like every other configuration problem), with the file
 * and, when known, its section, key and line in `details`.
 */
export function logConfigError(
  file: string,
  problem: string,
  where: LogConfigLocation = {},
  opts: { cause?: unknown } = {},
): NodepoolError {
  return new NodepoolError(
    `Cannot load logging config "${file}": ${describeLocation(where)}${problem}`,
    {
      code: 'ERR_CONFIG_INVALID',
      ...opts,
      details: {
        file,
        ...(where.section !== undefined ? { section: where.section } : {}),
        ...(where.key !== undefined ? { key: where.key } : {}),
        ...(where.line !== undefined ? { line: where.line } : {}),
      },
    },
  );
}

function describeLocation(where: LogConfigLocation): string {
  const parts: string[] = [];
  if (where.section !== undefined) parts.push(`[${where.section}]`);
  if (where.key !== undefined) parts.push(where.key);
  if (where.line !== undefined) parts.push(`(line ${where.line})`);
  return parts.length === 0 ? '' : parts.join(' ') + ': ';
}
