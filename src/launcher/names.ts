/**
 * Host names from the target templates (docs/behaviour.md#host-names), formatted like Python's
 * `str.format` with named fields and attribute access: `{label.name}`, `{provider.name}`,
 * `{provider.region_name}`, `{node_id}`, `{timestamp}`, `{subnode_id}`; `{{` and `}}` are
 * literal braces. Attribute names are upstream's (snake_case) and are looked up on the
 * compiled config in camelCase.
 */
import { FormatSyntaxError, pyStr, strFormat } from '../compat/index.js';

/** A value usable in a template: a scalar or an object whose attributes can be read. */
export type TemplateValue = string | number | boolean | null | undefined | object;

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function attribute(value: TemplateValue, attr: string, field: string): TemplateValue {
  if (value === null || value === undefined || typeof value !== 'object') {
    throw new RangeError(
      `Cannot format host name: "${field}" reads attribute "${attr}" of a non-object`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of [camel(attr), attr]) {
    if (Object.hasOwn(record, key)) return record[key] as TemplateValue;
  }
  throw new RangeError(`Cannot format host name: "${field}" names an unknown attribute "${attr}"`);
}

function render(value: TemplateValue): string {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return pyStr(value);
}

/**
 * Formats `template` with `values`. Conversions and format specs (`!r`, `:>10`) are read but
 * not applied.
 * @throws RangeError naming the field when a field or attribute is unknown or a brace is unmatched
 */
export function formatTemplate(
  template: string,
  values: Readonly<Record<string, TemplateValue>>,
): string {
  try {
    return strFormat(template, (field) => {
      const [head = '', ...attrs] = field.path;
      if (!Object.hasOwn(values, head)) {
        throw new RangeError(`Cannot format host name "${template}": unknown field "${head}"`);
      }
      let value = values[head];
      for (const attr of attrs) value = attribute(value, attr, field.text);
      return render(value);
    });
  } catch (err) {
    if (!(err instanceof FormatSyntaxError)) throw err;
    throw new RangeError(`Cannot format host name "${template}": ${err.problem}`, { cause: err });
  }
}

/** The Jenkins node name: the host name up to the first dot. */
export function nodenameOf(hostname: string): string {
  const dot = hostname.indexOf('.');
  return dot < 0 ? hostname : hostname.slice(0, dot);
}
