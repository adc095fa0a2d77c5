import pino from 'pino';
import type { Logger, DestinationStream, LoggerOptions as PinoOptions } from 'pino';
import { REDACT_PATHS, censor, maskUrlCredentials } from './redact.js';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** Where JSON lines go. @default stderr */
  destination?: DestinationStream;
  /** Root logger name (upstream logger names are kept as `name` of children). */
  name?: string;
}

/**
 * pino options every logger of this project shares: ISO timestamps, secrets redacted from
 * logged objects, and URL credentials masked in message strings.
 */
export function basePinoOptions(): PinoOptions {
  return {
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a: unknown) =>
          typeof a === 'string' ? maskUrlCredentials(a) : a,
        );
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
}

/** Builds a plain pino root logger (the CLI's), with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const dest = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      ...basePinoOptions(),
      level: options.level ?? 'info',
      ...(options.name !== undefined ? { name: options.name } : {}),
    },
    dest,
  );
}
