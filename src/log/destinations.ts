/**
 * Where log lines end up. Writes are synchronous, so nothing is lost when the process exits
 * right after logging (a daemon's last words are usually the interesting ones).
 */
import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { DestinationStream } from 'pino';
import { logConfigError } from './errors.js';
import type { HandlerSpec } from './log-config.js';
import { compileLineFormat } from './line-format.js';

/** A destination the router can close. */
export interface ClosableDestination extends DestinationStream {
  close(): void;
}

/**
 * Appends lines to a file. When `watched`, the file's identity is checked before each write
 * and the file reopened if it was moved or deleted — Python's WatchedFileHandler behaviour, so
 * logrotate works without signalling the daemon.
 */
export class FileDestination implements ClosableDestination {
  private fd: number;
  private ino = 0;
  private dev = 0;

  constructor(
    readonly path: string,
    private readonly options: { append: boolean; watched: boolean },
  ) {
    this.fd = this.open(options.append ? 'a' : 'w');
  }

  private open(flags: 'a' | 'w'): number {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, flags, 0o644);
    const st = fstatSync(fd);
    this.ino = st.ino;
    this.dev = st.dev;
    return fd;
  }

  write(line: string): void {
    if (this.options.watched && this.hasMoved()) {
      closeSync(this.fd);
      this.fd = this.open('a');
    }
    writeSync(this.fd, line);
  }

  private hasMoved(): boolean {
    try {
      const st = statSync(this.path);
      return st.ino !== this.ino || st.dev !== this.dev;
    } catch {
      return true;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Swallows everything (Python's NullHandler). */
class NullDestination implements ClosableDestination {
  write(_line: string): void {}
  close(): void {}
}

/** stdout or stderr; never closed, other code may still write there. */
class FdDestination implements ClosableDestination {
  private readonly stream: DestinationStream;
  constructor(fd: 1 | 2) {
    this.stream = pino.destination({ fd, sync: true });
  }
  write(line: string): void {
    this.stream.write(line);
  }
  close(): void {}
}

/** Lays each JSON line out as text before handing it on. */
class TextDestination implements ClosableDestination {
  constructor(
    private readonly inner: ClosableDestination,
    private readonly render: (line: string) => string,
  ) {}
  write(line: string): void {
    this.inner.write(this.render(line));
  }
  close(): void {
    this.inner.close();
  }
}

/**
 * Opens the destination of a handler, writing in the handler's format.
 * @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) when a log file cannot be opened, naming the handler and the file
 */
export function openDestination(handler: HandlerSpec, source: string): ClosableDestination {
  const raw = openRaw(handler, source);
  if (handler.format === undefined || handler.format.kind === 'json') return raw;
  return new TextDestination(raw, compileLineFormat(handler.format));
}

function openRaw(handler: HandlerSpec, source: string): ClosableDestination {
  const t = handler.target;
  switch (t.kind) {
    case 'null':
      return new NullDestination();
    case 'stream':
      return new FdDestination(t.fd);
    case 'file':
      try {
        return new FileDestination(t.path, { append: t.append, watched: t.watched });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw logConfigError(
          source,
          `cannot open log file "${t.path}": ${reason}`,
          { section: handler.section ?? handler.id },
          { cause: err },
        );
      }
  }
}
