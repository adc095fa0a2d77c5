import { NodepoolError } from '../errors.js';

/** One located configuration problem. */
export interface ConfigProblem {
  /** File the problem is in. */
  readonly file: string;
  /** YAML path, e.g. `['providers', 1, 'max-servers']`. */
  readonly path: readonly (string | number)[];
  /** What is wrong, e.g. `expected an integer, got "ten"`. */
  readonly message: string;
  /** 1-based line and column when known. */
  readonly line?: number;
  readonly column?: number;
}

/** The configuration cannot be loaded; `problems` lists every problem found. */
export class ConfigError extends NodepoolError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[], opts: { cause?: unknown } = {}) {
    super(`Cannot load "${file}": ${problems.map(formatProblem).join('; ')}`, {
      code: 'ERR_CONFIG_INVALID',
      ...opts,
    });
    this.file = file;
    this.problems = problems;
  }
}

/** Formats a path as `providers[1].max-servers`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Formats one problem as `providers[1].max-servers: expected ... (nodepool.yaml:14:18)`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  const path = formatPath(p.path);
  return `${path === '' ? '' : path + ': '}${p.message} (${where})`;
}
