/**
 * Routes upstream logger names (`nodepool.NodePool`, `kazoo`, ...) to levels and destinations
 * the way Python's logging hierarchy would, on top of pino. One pino instance exists per
 * distinct set of handlers; each named logger is a child of it with its effective level.
 */
import pino from 'pino';
import type { Bindings, Logger } from 'pino';
import { basePinoOptions } from './logger.js';
import { openDestination } from './destinations.js';
import type { ClosableDestination } from './destinations.js';
import { resolveLogger } from './log-config.js';
import type { HandlerSpec, LogConfig } from './log-config.js';

/** Router of every logger, found through the stream its pino instance writes to. */
const ROUTERS = new WeakMap<object, LogRouter>();

/** Owns the destinations of one logging config and hands out named loggers. */
export class LogRouter {
  private readonly destinations = new Map<string, ClosableDestination>();
  private readonly instances = new Map<string, Logger>();
  /** The root logger (Python's `root`); its lines carry no `name`. */
  readonly root: Logger;

  /** Opens every handler's destination at once, so a bad file fails at startup. */
  constructor(readonly config: LogConfig) {
    try {
      for (const h of config.handlers.values()) this.destination(h);
    } catch (err) {
      this.close();
      throw err;
    }
    this.root = this.loggerFor('', {});
  }

  /** A logger for `name` with `bindings`, at the level and with the handlers `name` resolves to. */
  loggerFor(name: string, bindings: Bindings): Logger {
    const resolved = resolveLogger(this.config, name);
    const instance = this.instanceFor(resolved.handlers);
    return instance.child(name === '' ? bindings : { name, ...bindings }, {
      level: resolved.level,
    });
  }

  private destination(h: HandlerSpec): ClosableDestination {
    let d = this.destinations.get(h.id);
    if (d === undefined) {
      d = openDestination(h, this.config.source);
      this.destinations.set(h.id, d);
    }
    return d;
  }

  private instanceFor(handlers: readonly HandlerSpec[]): Logger {
    const key = handlers.map((h) => h.id).join('\0');
    let instance = this.instances.get(key);
    if (instance === undefined) {
      const streams = handlers
        .filter((h) => h.level !== 'silent')
        .map((h) => ({ stream: this.destination(h), level: h.level ?? 'trace' }));
      const stream = pino.multistream(streams);
      ROUTERS.set(stream, this);
      instance = pino({ ...basePinoOptions(), level: 'trace' }, stream);
      this.instances.set(key, instance);
    }
    return instance;
  }

  /** Closes the log files. Loggers handed out must not be used afterwards. */
  close(): void {
    for (const d of this.destinations.values()) {
      try {
        d.close();
      } catch {
        // Closing a log file at exit has nowhere left to report to.
      }
    }
    this.destinations.clear();
  }
}

function routerOf(logger: Logger): LogRouter | undefined {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  return typeof stream === 'object' && stream !== null ? ROUTERS.get(stream) : undefined;
}

/**
 * A logger named after an upstream logger (docs/operation.md), e.g.
 * `getLogger(log, 'nodepool.builder.BuildWorker.0')`. Its level and destinations follow the
 * operator's `-l` file, longest dotted prefix first, as in Python; `parent`'s bindings (other
 * than its name) are kept. A parent built without a logging config just gets a child.
 */
export function getLogger(parent: Logger, upstreamName: string, bindings: Bindings = {}): Logger {
  const router = routerOf(parent);
  if (router === undefined) return parent.child({ name: upstreamName, ...bindings });
  const { name: _parentName, ...inherited } = parent.bindings();
  return router.loggerFor(upstreamName, { ...inherited, ...bindings });
}
