/**
 * Parsing of SQLAlchemy-style database URLs, the `[database] dburi` of secure.conf:
 * `dialect[+driver]://[user[:password]@]host[:port]/database[?options]`.
 *
 * The `+driver` part is accepted and ignored: every MySQL form runs on mysql2, every
 * PostgreSQL form on pg, SQLite on better-sqlite3.
 */
import { DbUriError } from './errors.js';

/** The three database families we speak. */
export type Dialect = 'mysql' | 'postgresql' | 'sqlite';

/** A parsed `dburi`. Never log it whole: use {@link ParsedDbUri.redacted}. */
export interface ParsedDbUri {
  readonly dialect: Dialect;
  /** The scheme as written, e.g. `mysql+pymysql`. */
  readonly scheme: string;
  /** The `+driver` part, if any (ignored). */
  readonly driver?: string;
  readonly user?: string;
  readonly password?: string;
  readonly host?: string;
  readonly port?: number;
  /**
   * Database name; for SQLite the file path as written (relative to the working directory
   * unless it starts with `/`), or `:memory:`.
   */
  readonly database?: string;
  /** Query options (`?charset=utf8`), decoded. */
  readonly options: Readonly<Record<string, string>>;
  /** The URI with the password replaced by `***`: safe for logs and messages. */
  readonly redacted: string;
}

const DIALECTS: Readonly<Record<string, Dialect>> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  postgresql: 'postgresql',
  postgres: 'postgresql',
  sqlite: 'sqlite',
};

const SCHEME_RE = /^([A-Za-z][\w+]*):\/\//;

function decode(part: string, what: string, scheme: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    throw new DbUriError(
      `Cannot parse dburi of scheme "${scheme}": the ${what} has a bad %-escape`,
      {
        scheme,
        cause: err,
      },
    );
  }
}

interface Pieces {
  user?: string;
  password?: string;
  hostport: string;
  database?: string;
  query?: string;
}

/** Splits what follows `://`. Like SQLAlchemy, the user info ends at the last `@`. */
function split(rest: string): Pieces {
  const out: Pieces = { hostport: '' };
  const at = rest.lastIndexOf('@');
  let tail = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    tail = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      out.user = userinfo.slice(0, colon);
      out.password = userinfo.slice(colon + 1);
    } else {
      out.user = userinfo;
    }
  }
  const q = tail.indexOf('?');
  if (q >= 0) {
    out.query = tail.slice(q + 1);
    tail = tail.slice(0, q);
  }
  const slash = tail.indexOf('/');
  if (slash >= 0) {
    out.database = tail.slice(slash + 1);
    tail = tail.slice(0, slash);
  }
  out.hostport = tail;
  return out;
}

function redact(scheme: string, p: Pieces): string {
  let s = `${scheme}://`;
  if (p.user !== undefined) s += p.user + (p.password !== undefined ? ':***' : '') + '@';
  s += p.hostport;
  if (p.database !== undefined) s += '/' + p.database;
  if (p.query !== undefined) s += '?' + p.query;
  return s;
}

function parseHostPort(
  hostport: string,
  scheme: string,
  redacted: string,
): { host?: string; port?: number } {
  if (hostport === '') return {};
  let host = hostport;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(hostport);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2];
  } else {
    const colon = hostport.lastIndexOf(':');
    if (colon >= 0) {
      host = hostport.slice(0, colon);
      portText = hostport.slice(colon + 1);
    }
  }
  if (portText === undefined || portText === '') return host === '' ? {} : { host };
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new DbUriError(
      `Cannot parse dburi "${redacted}": the port must be an integer from 1 to 65535: current value is "${portText}"`,
      { scheme },
    );
  }
  return host === '' ? { port: Number(portText) } : { host, port: Number(portText) };
}

/**
 * Parses a SQLAlchemy database URL.
 * @throws DbUriError when the text is not a URL, names an unknown dialect, or is malformed;
 *   the message names the scheme and shows the URL only with its password replaced.
 */
export function parseDbUri(text: string): ParsedDbUri {
  const trimmed = text.trim();
  const m = SCHEME_RE.exec(trimmed);
  if (!m) {
    // Without a scheme we cannot tell where a password would be: print nothing of it.
    throw new DbUriError(
      'Cannot parse dburi: expected "dialect[+driver]://user:password@host:port/database": current value has no "dialect://" prefix',
    );
  }
  const scheme = m[1] ?? '';
  const [dialectName = '', driver] = scheme.toLowerCase().split('+', 2);
  const dialect = DIALECTS[dialectName];
  const pieces = split(trimmed.slice(m[0].length));
  const redacted = redact(scheme, pieces);
  if (dialect === undefined) {
    throw new DbUriError(
      `Cannot use dburi "${redacted}": unsupported database "${dialectName}": use mysql, postgresql or sqlite`,
      { scheme },
    );
  }
  const options: Record<string, string> = {};
  if (pieces.query !== undefined && pieces.query !== '') {
    for (const [k, v] of new URLSearchParams(pieces.query)) options[k] = v;
  }
  const base = { dialect, scheme, options, redacted, ...(driver !== undefined ? { driver } : {}) };

  if (dialect === 'sqlite') {
    if (pieces.hostport !== '' || pieces.user !== undefined) {
      throw new DbUriError(
        `Cannot use dburi "${redacted}": a sqlite URL has no host or user: use "sqlite:///relative.db" or "sqlite:////absolute/path.db"`,
        { scheme },
      );
    }
    const file =
      pieces.database === undefined || pieces.database === ''
        ? ':memory:'
        : decode(pieces.database, 'path', scheme);
    return { ...base, database: file };
  }

  const hp = parseHostPort(pieces.hostport, scheme, redacted);
  const database =
    pieces.database === undefined || pieces.database === ''
      ? undefined
      : decode(pieces.database, 'database name', scheme);
  return {
    ...base,
    ...hp,
    ...(pieces.user !== undefined && pieces.user !== ''
      ? { user: decode(pieces.user, 'user', scheme) }
      : {}),
    ...(pieces.password !== undefined
      ? { password: decode(pieces.password, 'password', scheme) }
      : {}),
    ...(database !== undefined ? { database } : {}),
  };
}

/**
 * Returns `text` with any password removed, for messages about a dburi that may not parse.
 * A text without `scheme://` gives `<dburi>`.
 */
export function redactDbUri(text: string): string {
  const m = SCHEME_RE.exec(text.trim());
  if (!m) return '<dburi>';
  return redact(m[1] ?? '', split(text.trim().slice(m[0].length)));
}
