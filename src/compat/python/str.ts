/** Python's `str()` of the scalar values nodepool prints (table cells, template fields). */

/** A value `pyStr` can print. */
export type PyScalar = string | number | boolean | null | undefined;

/** `str(value)` as Python prints it: `None`, `True`/`False`, numbers and strings as they are. */
export function pyStr(value: PyScalar): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
