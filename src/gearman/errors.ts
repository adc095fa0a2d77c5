/**
 * Errors of the Gearman client. Match on the class (or `code`), never on the message.
 */
import { NodepoolError } from '../errors.js';

/** Base of every Gearman failure; `server` is `host:port` when one server is concerned. */
export class GearmanError extends NodepoolError {
  readonly server?: string;
  constructor(message: string, opts: { code?: string; server?: string; cause?: unknown } = {}) {
    super(message, { code: opts.code ?? 'ERR_GEARMAN', cause: opts.cause });
    if (opts.server !== undefined) this.server = opts.server;
  }
}

/** No configured Gearman server is connected, so nothing can be submitted or asked. */
export class GearmanNotConnectedError extends GearmanError {
  constructor(message: string) {
    super(message, { code: 'ERR_GEARMAN_NOT_CONNECTED' });
  }
}

/** A server did not answer a request in time; the connection is dropped and re-made. */
export class GearmanTimeoutError extends GearmanError {
  readonly timeoutMs: number;
  constructor(message: string, opts: { server: string; timeoutMs: number }) {
    super(message, { code: 'ERR_GEARMAN_TIMEOUT', server: opts.server });
    this.timeoutMs = opts.timeoutMs;
  }
}

/** The connection to a server was lost while a request or job was outstanding. */
export class GearmanConnectionLostError extends GearmanError {
  constructor(message: string, opts: { server: string; cause?: unknown }) {
    super(message, { code: 'ERR_GEARMAN_DISCONNECTED', ...opts });
  }
}

/** The server answered a request with an `ERROR` packet or an `ERR` admin line. */
export class GearmanServerError extends GearmanError {
  /** The server's error code, e.g. `UNKNOWN_COMMAND`. */
  readonly serverCode: string;
  constructor(message: string, opts: { server: string; serverCode: string }) {
    super(message, { code: 'ERR_GEARMAN_SERVER', server: opts.server });
    this.serverCode = opts.serverCode;
  }
}

/** The client (or the one connection) is stopping or stopped. */
export class GearmanStoppedError extends GearmanError {
  constructor(message = 'Cannot use the Gearman client: it is stopped') {
    super(message, { code: 'ERR_GEARMAN_STOPPED' });
  }
}

/** How a foreground job ended without success. */
export type GearmanJobFailure = 'fail' | 'exception' | 'disconnect';

/** A submitted job ended with WORK_FAIL, WORK_EXCEPTION or a lost connection. */
export class GearmanJobFailedError extends GearmanError {
  readonly job: string;
  readonly failure: GearmanJobFailure;
  /** The WORK_EXCEPTION text, when the worker sent one. */
  readonly exception?: string;
  constructor(
    message: string,
    opts: { job: string; failure: GearmanJobFailure; server?: string; exception?: string },
  ) {
    super(message, {
      code: 'ERR_GEARMAN_JOB_FAILED',
      ...(opts.server === undefined ? {} : { server: opts.server }),
    });
    this.job = opts.job;
    this.failure = opts.failure;
    if (opts.exception !== undefined) this.exception = opts.exception;
  }
}

/** A node assignment job succeeded but its reply carried no usable `manager`. */
export class GearmanAssignmentReplyError extends GearmanError {
  readonly job: string;
  constructor(message: string, opts: { job: string; cause?: unknown }) {
    super(message, { code: 'ERR_GEARMAN_ASSIGNMENT_REPLY', cause: opts.cause });
    this.job = opts.job;
  }
}
