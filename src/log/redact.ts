/**
 * Secrets never reach a log line. Object keys listed in {@link REDACT_PATHS} are censored by
 * pino's `redact`; a dburi keeps its scheme, user and host and loses only the password, so the
 * line stays useful. URL credentials inside message strings are masked as well.
 */

/** pino `redact` paths: every place a secret may sit in a logged object. */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  '*.*.password',
  'apikey',
  '*.apikey',
  'dburi',
  '*.dburi',
  'auth.password',
  '*.auth.password',
  'cloud.auth.password',
  'headers["x-auth-token"]',
  '*.headers["x-auth-token"]',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

/** What a censored value is replaced with. */
export const CENSORED = '[redacted]';

// The password runs to the last `@` before the host, so a password containing `@` is masked whole.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^\s/]*)@/gi;

/** `mysql+pymysql://nodepool:secret@db/nodepool` → `mysql+pymysql://nodepool:***@db/nodepool`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@');
}

/** pino `redact.censor`: masks the password of a URL-valued secret, replaces any other. */
export function censor(value: unknown, path: string[]): unknown {
  if (typeof value === 'string' && path[path.length - 1] === 'dburi' && value.includes('://')) {
    return maskUrlCredentials(value);
  }
  return CENSORED;
}
