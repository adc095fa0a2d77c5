/**
 * Python compatibility: the places where upstream's bytes or parsing rules are part of the
 * contract (JSON written by `json.dumps`, `str.format` templates, `str()` of values, INI files
 * read by `ConfigParser`). Depends on nothing but the shared error base; used by every area
 * that reads or writes something upstream also read or wrote.
 */
export { jsonDumps, jsonString, floatRepr } from './json.js';
export type { JsonDumpsOptions } from './json.js';
export { pyStr } from './str.js';
export type { PyScalar } from './str.js';
export { strFormat, FormatSyntaxError } from './format.js';
export type { FormatField } from './format.js';
export { ConfigParser, IniError } from './config-parser.js';
export type { ConfigParserOptions, IniLocation } from './config-parser.js';
