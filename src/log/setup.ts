/** Reading the `-l` file and building a process's logging from it. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Logger } from 'pino';
import { NodepoolError } from '../errors.js';
import { logConfigError } from './errors.js';
import { JSON_FORMAT, TEXT_FORMAT } from './line-format.js';
import { defaultLogConfig } from './log-config.js';
import type { LogConfig } from './log-config.js';
import type { LevelName } from './levels.js';
import { parsePinoLogConfig } from './pino-config.js';
import { parsePythonLoggingConf } from './python-logging-conf.js';
import { LogRouter } from './router.js';

/**
 * Whether `text` is a Python INI logging config rather than YAML/JSON: its first significant
 * line is a `[section]` header.
 */
export function looksLikeIni(text: string): boolean {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    return /^\[[^\]\s,]+\]$/.test(t);
  }
  return false;
}

/**
 * Reads a logging config in either format: Python `logging.conf` INI or the YAML/JSON format
 * of `pino-config.ts`. `~` is expanded as upstream does.
 * @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) when the file is missing, unreadable or invalid
 */
export function readLogConfig(path: string): LogConfig {
  const file = path.startsWith('~/') ? homedir() + path.slice(1) : path;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : err instanceof Error ? err.message : String(err);
    throw logConfigError(file, reason, {}, { cause: err });
  }
  return looksLikeIni(text) ? parsePythonLoggingConf(text, file) : parsePinoLogConfig(text, file);
}

/** Options of {@link setupLogging}. */
export interface SetupLoggingOptions {
  /** The `-l` file; without it, everything at `defaultLevel` goes to stderr. */
  configPath?: string;
  /** @default 'debug' (upstream's basicConfig level) */
  defaultLevel?: LevelName;
  /** Lines of the default config (without `-l`). @default 'json' */
  defaultFormat?: 'json' | 'text';
  /**
   * The operator's `NODEPOOL_LOG_FORMAT`: `json` makes every handler write JSON lines,
   * `text` makes the JSON ones write text; unset or empty changes nothing.
   */
  formatOverride?: string;
}

/** `NODEPOOL_LOG_FORMAT` holds something other than json or text (ERR_CONFIG_INVALID, exit status 2). */
export function logFormatEnvError(value: string): NodepoolError {
  return new NodepoolError(`Cannot use NODEPOOL_LOG_FORMAT="${value}": expected json or text`, {
    code: 'ERR_CONFIG_INVALID',
    details: { value },
  });
}

function overrideFormat(config: LogConfig, override: string | undefined): LogConfig {
  if (override === undefined || override.trim() === '') return config;
  const wanted = override.trim().toLowerCase();
  if (wanted !== 'json' && wanted !== 'text') throw logFormatEnvError(override);
  const handlers = new Map(
    [...config.handlers].map(([id, h]) => {
      const isJson = h.format === undefined || h.format.kind === 'json';
      if (wanted === 'json') return [id, { ...h, format: JSON_FORMAT }];
      return [id, isJson ? { ...h, format: TEXT_FORMAT } : h];
    }),
  );
  return { ...config, handlers };
}

/** A process's logging: the root logger and the files it owns. */
export interface LoggingSetup {
  /** Pass it to {@link getLogger} to get upstream-named loggers. */
  readonly root: Logger;
  /** Closes log files; call last, at exit. */
  close(): void;
}

/**
 * Builds the logging of a daemon from its `-l` file (or the default), opening every log file.
 * @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) naming the file, section and key at fault
 */
export function setupLogging(options: SetupLoggingOptions = {}): LoggingSetup {
  const config = overrideFormat(
    options.configPath === undefined
      ? defaultLogConfig(
          options.defaultLevel ?? 'debug',
          options.defaultFormat === 'text' ? TEXT_FORMAT : JSON_FORMAT,
        )
      : readLogConfig(options.configPath),
    options.formatOverride,
  );
  const router = new LogRouter(config);
  return { root: router.root, close: () => router.close() };
}
