/**
 * Errors of the Jenkins REST client. Match on the class (or `code`), never on the message.
 */
import { NodepoolError } from '../errors.js';

/** Fields shared by every {@link JenkinsError}. */
export interface JenkinsErrorOptions {
  /** Jenkins base URL (no credentials). */
  url: string;
  /** What was attempted, e.g. `GET computer/x/api/json`. */
  request?: string;
  /** HTTP status, when Jenkins answered. */
  status?: number;
  cause?: unknown;
}

/** A Jenkins call failed. */
export class JenkinsError extends NodepoolError {
  readonly url: string;
  readonly request?: string;
  readonly status?: number;
  constructor(message: string, opts: JenkinsErrorOptions & { code?: string }) {
    super(message, { code: opts.code ?? 'ERR_JENKINS', cause: opts.cause });
    this.url = opts.url;
    if (opts.request !== undefined) this.request = opts.request;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** Jenkins refused the credentials or the CSRF crumb (HTTP 401/403). */
export class JenkinsAuthError extends JenkinsError {
  constructor(message: string, opts: JenkinsErrorOptions) {
    super(message, { ...opts, code: 'ERR_JENKINS_AUTH' });
  }
}

/** The item does not exist (HTTP 404). */
export class JenkinsNotFoundError extends JenkinsError {
  constructor(message: string, opts: JenkinsErrorOptions) {
    super(message, { ...opts, code: 'ERR_JENKINS_NOT_FOUND' });
  }
}

/** Jenkins did not answer within the client's time limit. */
export class JenkinsTimeoutError extends JenkinsError {
  readonly timeoutMs: number;
  constructor(message: string, opts: JenkinsErrorOptions & { timeoutMs: number }) {
    super(message, { ...opts, code: 'ERR_JENKINS_TIMEOUT' });
    this.timeoutMs = opts.timeoutMs;
  }
}

/** Jenkins could not be reached at all (refused, DNS, reset). */
export class JenkinsUnreachableError extends JenkinsError {
  constructor(message: string, opts: JenkinsErrorOptions) {
    super(message, { ...opts, code: 'ERR_JENKINS_UNREACHABLE' });
  }
}

/** Jenkins accepted a create/delete but the node's existence afterwards says it failed. */
export class JenkinsNodeError extends JenkinsError {
  readonly node: string;
  constructor(message: string, opts: JenkinsErrorOptions & { node: string }) {
    super(message, { ...opts, code: 'ERR_JENKINS_NODE' });
    this.node = opts.node;
  }
}

/** The target's Jenkins queue is stopping or stopped. */
export class JenkinsStoppedError extends JenkinsError {
  readonly target: string;
  constructor(target: string, opts: { url: string; cause?: unknown }) {
    super(`Cannot call Jenkins: target "${target}" is no longer running`, {
      ...opts,
      code: 'ERR_JENKINS_STOPPED',
    });
    this.target = target;
  }
}
