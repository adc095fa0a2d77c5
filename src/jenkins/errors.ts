/**
 * Errors of the Jenkins REST client: a {@link JenkinsError} with an `ERR_JENKINS_*` code
 * (docs/errors.md); a subclass only where a caller tells it apart with `instanceof`.
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
  constructor(
    message: string,
    opts: JenkinsErrorOptions & { code?: string; details?: Record<string, string | number> },
  ) {
    super(message, {
      code: opts.code ?? 'ERR_JENKINS',
      cause: opts.cause,
      ...(opts.details === undefined ? {} : { details: opts.details }),
    });
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
