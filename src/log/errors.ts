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
 * The `-l` logging config cannot be read or uses something we do not support. Exit status 2,
 * like every other configuration problem.
 */
export class LogConfigError extends NodepoolError {
  readonly file: string;
  readonly section?: string;
  readonly key?: string;
  readonly line?: number;

  constructor(
    file: string,
    problem: string,
    where: LogConfigLocation = {},
    opts: { cause?: unknown } = {},
  ) {
    super(`Cannot load logging config "${file}": ${describeLocation(where)}${problem}`, {
      code: 'ERR_CONFIG_INVALID',
      ...opts,
    });
    this.file = file;
    if (where.section !== undefined) this.section = where.section;
    if (where.key !== undefined) this.key = where.key;
    if (where.line !== undefined) this.line = where.line;
  }
}

function describeLocation(where: LogConfigLocation): string {
  const parts: string[] = [];
  if (where.section !== undefined) parts.push(`[${where.section}]`);
  if (where.key !== undefined) parts.push(where.key);
  if (where.line !== undefined) parts.push(`(line ${where.line})`);
  return parts.length === 0 ? '' : parts.join(' ') + ': ';
}
