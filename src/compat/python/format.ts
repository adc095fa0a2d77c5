/**
 * Python's `str.format` field syntax: literal text, `{{` and `}}` for braces, and replacement
 * fields `{name.attr!conv:spec}`. The caller decides what a field means and which parts of the
 * syntax it supports; this module only splits the template, so every template nodepool formats
 * (host names, image names) is read by the same rules.
 */
import { NodepoolError } from '../../errors.js';

/** One `{...}` replacement field. */
export interface FormatField {
  /** Everything between the braces, e.g. `provider.name!r:>10`. */
  readonly text: string;
  /** The field name up to the first `!` or `:`, e.g. `provider.name`. */
  readonly name: string;
  /** `.`-separated parts of `name`: `['provider', 'name']`. */
  readonly path: readonly string[];
  /** Offset of the opening brace in the template. */
  readonly offset: number;
}

/** A template that `str.format` itself would reject; `offset` is where reading stopped. */
export class FormatSyntaxError extends NodepoolError {
  readonly offset: number;
  readonly problem: string;
  constructor(template: string, problem: string, offset: number) {
    super(`Cannot format "${template}": ${problem} at offset ${offset}`, {
      code: 'ERR_FORMAT_SYNTAX',
    });
    this.offset = offset;
    this.problem = problem;
  }
}

/**
 * Formats `template`, asking `resolve` for the text of each field.
 * @throws FormatSyntaxError for an unmatched `{` or a single `}`; whatever `resolve` throws
 */
export function strFormat(template: string, resolve: (field: FormatField) => string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      out += c;
      i += 2;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new FormatSyntaxError(template, 'unmatched "{"', i);
      const text = template.slice(i + 1, end);
      const [name = ''] = text.split(/[!:]/, 1);
      out += resolve({ text, name, path: name.split('.'), offset: i });
      i = end + 1;
    } else if (c === '}') {
      throw new FormatSyntaxError(template, 'single "}"', i);
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}
