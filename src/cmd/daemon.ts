/**
 * The shell shared by `nodepoold` and `nodepool-builder`: detaching (unless `-d`), logging
 * from `-l`, the pid file, starting the services, signals, and the exit status. This and the
 * other `cmd/` files are the only places that install signal handlers or exit the process.
 *
 * Signals: the stop signals (SIGINT everywhere, SIGUSR1 for nodepoold, and SIGTERM) stop the
 * services gracefully; a second stop signal, or the signal's force time elapsing, exits with
 * status 1 (`ERR_SHUTDOWN_TIMEOUT`). SIGUSR2 logs a diagnostic report under
 * `nodepool.stack_dump`.
 */
import { fstatSync } from 'node:fs';
import type { Logger } from 'pino';
import { getLogger, setupLogging } from '../log/index.js';
import type { LoggingSetup } from '../log/index.js';
import { keepAlive, stopAll } from '../util/index.js';
import type { Service } from '../util/index.js';
import { disconnectParent, notifyParent, spawnDetached } from './detach.js';
import { DiagnosticsMonitor } from './diagnostics.js';
import { exitCodeFor, isExpectedFailure, renderError } from './exit.js';
import { clearStalePidfile, Pidfile } from './pidfile.js';
import { ShutdownController } from './shutdown.js';
import { VERSION } from './version.js';

/**
 * Force time after SIGTERM. Compat: upstream nodepoold exits at once on SIGTERM without any
 * cleanup (and the builder dies by the default action); we stop gracefully but give up after
 * this long.
 */
export const SIGTERM_FORCE_MS = 10_000;

/** What a daemon command hands to {@link runDaemonCommand}. */
export interface DaemonSpec {
  /** Command name for messages, e.g. `nodepoold`. */
  name: string;
  /** Upstream logger name of the command, e.g. `nodepool.cmd.nodepoold`. */
  loggerName: string;
  /** The command's arguments, re-used when detaching. */
  argv: readonly string[];
  /** `-d`: stay in the foreground. */
  foreground: boolean;
  /** This process is the detached child of an earlier run. */
  isDaemonChild: boolean;
  /** `-l`, already absolute. */
  logConfigPath?: string;
  /** `-p`, already absolute. */
  pidfile: string;
  /** In the foreground the pid file is written only when `-p` was given explicitly. */
  pidfileInForeground: boolean;
  /** Signals that stop gracefully besides SIGINT and SIGTERM (nodepoold: SIGUSR1). */
  extraStopSignals?: NodeJS.Signals[];
  /** Force time of a stop started by `signal`; `undefined` waits as long as it takes. */
  forceTimeMs?: (signal: string) => number | undefined;
  /**
   * Checks run before the services exist: the first config load, servers that must answer.
   * A rejection ends the start (its exit status from `exitCodeFor`); `notice` tells the
   * operator's terminal (before detaching) while a check keeps waiting.
   */
  preflight?: (context: PreflightContext) => Promise<void>;
  /** Called once logging is up: logs startup notes and builds the services, started in order. */
  createServices(root: Logger, log: Logger): Service[] | Promise<Service[]>;
}

/** What {@link DaemonSpec.preflight} gets. */
export interface PreflightContext {
  log: Logger;
  /** Aborted by a stop signal. */
  signal: AbortSignal;
  notice: (text: string) => Promise<void>;
}

/** Runs a daemon command to its end and resolves with the process exit status. */
export async function runDaemonCommand(spec: DaemonSpec): Promise<number> {
  if (!spec.foreground && !spec.isDaemonChild) return detach(spec);
  return runHere(spec);
}

async function detach(spec: DaemonSpec): Promise<number> {
  try {
    // Checked here too so that a live daemon is reported on the operator's terminal.
    clearStalePidfile(spec.pidfile);
  } catch (err) {
    process.stderr.write(`${spec.name}: ${renderError(err, false)}\n`);
    return exitCodeFor(err);
  }
  const result = await spawnDetached(spec.argv, spec.name);
  if (result.message !== undefined) process.stderr.write(result.message + '\n');
  return result.exitCode;
}

function defaultForceTime(signal: string): number | undefined {
  return signal === 'SIGTERM' ? SIGTERM_FORCE_MS : undefined;
}

/**
 * Tells the operator's terminal: through the waiting parent when detached; on stderr in the
 * foreground unless the log already goes there (no `-l`: the default config logs to stderr).
 */
async function tellTerminal(spec: DaemonSpec, text: string, code?: number): Promise<void> {
  const message = `${spec.name}: ${text}`;
  if (spec.isDaemonChild) {
    await notifyParent(
      code === undefined
        ? { type: 'notice', message, pid: process.pid }
        : { type: 'failed', message, exitCode: code },
    );
  } else if (spec.logConfigPath !== undefined || code !== undefined) {
    process.stderr.write(message + '\n');
  }
}

async function reportFailure(spec: DaemonSpec, err: unknown, code: number): Promise<void> {
  await tellTerminal(spec, renderError(err, false), code);
}

/**
 * Whether stderr is systemd's journal: `JOURNAL_STREAM` names its device and inode (the
 * variable is inherited by children whose stderr went elsewhere, hence the check).
 */
function isStderrJournal(): boolean {
  const [dev, ino] = (process.env['JOURNAL_STREAM'] ?? '').split(':').map(Number);
  if (dev === undefined || ino === undefined || !Number.isFinite(dev) || !Number.isFinite(ino))
    return false;
  try {
    const st = fstatSync(2);
    return st.dev === dev && st.ino === ino;
  } catch {
    return false;
  }
}

async function runHere(spec: DaemonSpec): Promise<number> {
  let logging: LoggingSetup;
  try {
    const formatOverride = process.env['NODEPOOL_LOG_FORMAT'];
    logging = setupLogging({
      ...(spec.logConfigPath === undefined ? {} : { configPath: spec.logConfigPath }),
      // Without -l: text lines at a terminal and in systemd's journal, JSON lines into a
      // pipe or file.
      defaultFormat: process.stderr.isTTY || isStderrJournal() ? 'text' : 'json',
      ...(formatOverride !== undefined ? { formatOverride } : {}),
    });
  } catch (err) {
    await reportFailure(spec, err, exitCodeFor(err));
    return exitCodeFor(err);
  }
  try {
    return await new DaemonRun(spec, logging).run();
  } finally {
    logging.close();
  }
}

/** One run of a daemon in this process, from pid file to exit status. */
class DaemonRun {
  private readonly log: Logger;
  private readonly services: Service[] = [];
  private readonly diagnostics = new DiagnosticsMonitor();
  private readonly controller: ShutdownController;
  /** Aborted by the first stop signal: ends start-up checks still waiting. */
  private readonly stopping = new AbortController();
  private pidfile: Pidfile | null = null;

  constructor(
    private readonly spec: DaemonSpec,
    private readonly logging: LoggingSetup,
  ) {
    this.log = getLogger(logging.root, spec.loggerName);
    this.controller = new ShutdownController({
      log: this.log,
      stop: () => {
        this.stopping.abort(new Error('stopping'));
        return stopAll([...this.services].reverse());
      },
      forceTimeMs: spec.forceTimeMs ?? defaultForceTime,
    });
  }

  async run(): Promise<number> {
    const uninstall = installSignals(this.spec, {
      stop: (signal) => this.controller.handle(signal),
      report: () => this.report(),
      crash: (err) => this.crash(err),
    });
    // Released in `finally`: until then the process waits for its stop signal even when no
    // service holds a handle open.
    const release = keepAlive();
    let code: number;
    try {
      code = await this.startAndWait();
    } catch (err) {
      code =
        this.controller.stoppedBy !== null ? await this.controller.done : await this.failed(err);
    } finally {
      release();
      uninstall();
      this.diagnostics.stop();
      disconnectParent();
    }
    this.pidfile?.release();
    this.log.info('Exiting with status %d', code);
    return code;
  }

  private async startAndWait(): Promise<number> {
    const { spec, log, controller, services } = this;
    if (spec.isDaemonChild || spec.pidfileInForeground) {
      this.pidfile = Pidfile.acquire(spec.pidfile);
      const stale = this.pidfile.replacedPid;
      if (stale !== null) log.info('Removed stale pid file %s (pid %d)', spec.pidfile, stale);
    }
    await notifyParent({ type: 'pidfile', pid: process.pid });
    log.info('Starting %s %s (pid %d)', spec.name, VERSION, process.pid);
    await spec.preflight?.({
      log,
      signal: this.stopping.signal,
      notice: (text) => tellTerminal(spec, text),
    });
    services.push(...(await spec.createServices(this.logging.root, log)));
    for (const s of services) {
      if (controller.stoppedBy !== null) break;
      await s.start();
    }
    // A stop signal during startup ran before some services existed or started: stop
    // them all again (stop is idempotent) so none is left running.
    if (controller.stoppedBy !== null) await stopAll([...services].reverse());
    await notifyParent({ type: 'started', pid: process.pid });
    disconnectParent();
    if (controller.stoppedBy === null) log.info('%s is running', spec.name);
    return controller.done;
  }

  /** A start failed: stop what started, free the pid file, tell the operator. */
  private async failed(err: unknown): Promise<number> {
    const code = exitCodeFor(err);
    if (isExpectedFailure(err)) {
      // An expected condition: its located message, the stack only at DEBUG.
      this.log.error('Cannot start %s: %s', this.spec.name, renderError(err, false));
      this.log.debug({ err }, 'Cannot start %s', this.spec.name);
    } else {
      this.log.error({ err }, 'Cannot start %s', this.spec.name);
    }
    try {
      await stopAll([...this.services].reverse());
    } catch (stopErr) {
      this.log.error({ err: stopErr }, 'Cannot stop cleanly after a failed start');
    }
    // Released before telling the parent, which exits as soon as it hears.
    this.pidfile?.release();
    await reportFailure(this.spec, err, code);
    return code;
  }

  private report(): void {
    getLogger(this.logging.root, 'nodepool.stack_dump').info(
      { diagnostics: this.diagnostics.report(this.services) },
      'Diagnostic report',
    );
  }

  private crash(err: unknown): void {
    this.log.fatal({ err }, 'Uncaught exception: exiting');
    this.pidfile?.release();
    this.logging.close();
    process.exit(1);
  }
}

interface SignalActions {
  stop: (signal: NodeJS.Signals) => void;
  report: () => void;
  crash: (err: unknown) => void;
}

function installSignals(spec: DaemonSpec, actions: SignalActions): () => void {
  const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...(spec.extraStopSignals ?? [])];
  const onStop = (signal: NodeJS.Signals): void => actions.stop(signal);
  const onReport = (): void => actions.report();
  const onCrash = (err: unknown): void => actions.crash(err);
  for (const s of stopSignals) process.on(s, onStop);
  process.on('SIGUSR2', onReport);
  process.on('uncaughtException', onCrash);
  return () => {
    for (const s of stopSignals) process.off(s, onStop);
    process.off('SIGUSR2', onReport);
    process.off('uncaughtException', onCrash);
  };
}
