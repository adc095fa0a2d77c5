/** A pino logger whose JSON lines are kept in memory, so tests can assert what was logged. */
import type { Logger } from 'pino';
import { createLogger } from '../../src/log/index.js';

/** One logged line, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger plus the lines it wrote. */
export interface CapturedLog {
  log: Logger;
  lines: LogLine[];
  /** Lines whose message contains `text`. */
  find(text: string): LogLine[];
}

/** Creates a capturing logger at `level` (default `debug`). */
export function captureLog(level = 'debug'): CapturedLog {
  const lines: LogLine[] = [];
  const log = createLogger({
    level,
    destination: {
      write(s: string) {
        lines.push(JSON.parse(s) as LogLine);
      },
    },
  });
  return {
    log,
    lines,
    find: (text) => lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(text)),
  };
}
