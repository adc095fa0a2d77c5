/** Public surface of the configuration area. */
export type * from './types.js';
export { ConfigError, formatPath, formatProblem } from './errors.js';
export type { ConfigProblem } from './errors.js';
export { loadConfig, validateConfig } from './load.js';
export type { LoadConfigOptions, ValidateConfigOptions } from './load.js';
export { diffProviders, isSameProvider } from './diff.js';
export type { ProviderDiff } from './diff.js';
export { compileCron, toParserSpec } from './cron.js';
export { toJsonSchema } from './schema.js';
export { cronMatchesMinute, effectiveMinReady, matchingPeriod } from './schedule.js';
export type { EffectiveMinReady } from './schedule.js';
