/** Public surface of logging: the pino root, upstream-named loggers, `-l` files, redaction. */
export { createLogger, basePinoOptions } from './logger.js';
export type { LoggerOptions } from './logger.js';
export { REDACT_PATHS, CENSORED, censor, maskUrlCredentials } from './redact.js';
export { getLogger, LogRouter } from './router.js';
export { setupLogging, readLogConfig, looksLikeIni, logFormatEnvError } from './setup.js';
export {
  compileLineFormat,
  DEFAULT_TEXT_FORMAT,
  FIELD_NAMES,
  LineFormatError,
} from './line-format.js';
export type { LineFormat } from './line-format.js';
export { strftime } from './strftime.js';
export type { SetupLoggingOptions, LoggingSetup } from './setup.js';
export { parsePythonLoggingConf } from './python-logging-conf.js';
export { parsePinoLogConfig } from './pino-config.js';
export { resolveLogger, ancestry, defaultLogConfig } from './log-config.js';
export type {
  LogConfig,
  HandlerSpec,
  HandlerTarget,
  LoggerSpec,
  ResolvedLogger,
} from './log-config.js';
export { logConfigError } from './errors.js';
export type { LevelName } from './levels.js';
export { parseLevel } from './levels.js';
