/**
 * Jenkins REST calls nodepool makes (docs/behaviour.md#jenkins-nodes), as python-jenkins 0.4 sends them:
 * Basic auth `user:apikey`, a CSRF crumb from `crumbIssuer/api/json` sent as the header it
 * names (fetched once; 404 means none), node names quoted in paths. Unlike upstream every
 * call has a time limit, and node creation is a POST (current Jenkins refuses the GET).
 */
import type { Logger } from 'pino';
import { createLogger, maskUrlCredentials } from '../log/index.js';
import { JenkinsAuthError, JenkinsError, JenkinsNotFoundError } from './errors.js';
import type { JenkinsErrorOptions } from './errors.js';
import { jobPath, normaliseBaseUrl, pyQuote, pyUrlencode } from './url.js';
import { createNodeQuery } from './node-spec.js';
import type { CreateNodeSpec } from './node-spec.js';

/** Options of {@link JenkinsClient}. */
export interface JenkinsClientOptions {
  url: string;
  user?: string;
  apikey?: string;
  /** Limit for each HTTP exchange, body included. @default 30_000 */
  timeoutMs?: number;
  /** @default a silent logger */
  log?: Logger;
}

/** Per-call options. */
export interface JenkinsCallOptions {
  signal?: AbortSignal;
}

interface Crumb {
  field: string;
  value: string;
}

interface Request {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
  signal?: AbortSignal;
}

/** A Jenkins master. Stateless apart from the cached crumb (and its session cookie). */
export class JenkinsClient {
  readonly url: string;
  private readonly auth: string | null;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  /** undefined: not asked yet; null: Jenkins has no crumb issuer. */
  private crumb: Crumb | null | undefined;
  private cookie: string | null = null;

  constructor(options: JenkinsClientOptions) {
    this.url = normaliseBaseUrl(options.url);
    this.auth =
      options.user !== undefined && options.user !== ''
        ? `Basic ${Buffer.from(`${options.user}:${options.apikey ?? ''}`, 'utf8').toString('base64')}`
        : null;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.log = options.log ?? createLogger({ level: 'silent' });
  }

  /** `GET api/json`: the master's info, e.g. `quietingDown`. */
  async getInfo(opts: JenkinsCallOptions = {}): Promise<Record<string, unknown>> {
    return this.json(
      await this.call({ method: 'GET', path: 'api/json', ...sig(opts) }),
      'api/json',
    );
  }

  /** `GET computer/<name>/api/json?depth=0`. @throws JenkinsNotFoundError when the node does not exist */
  async getNodeInfo(name: string, opts: JenkinsCallOptions = {}): Promise<Record<string, unknown>> {
    const path = `computer/${pyQuote(name)}/api/json?depth=0`;
    return this.json(await this.call({ method: 'GET', path, ...sig(opts) }), path);
  }

  /**
   * Whether the node exists. Only a 404 means "no"; other failures are thrown (upstream
   * answered "no" to any error, which skipped Jenkins node deletion while Jenkins was down
   * and leaked the Jenkins node).
   */
  async nodeExists(name: string, opts: JenkinsCallOptions = {}): Promise<boolean> {
    try {
      await this.getNodeInfo(name, opts);
      return true;
    } catch (err) {
      if (err instanceof JenkinsNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Creates a node with the SSH launcher. An existing node counts as success and is left
   * unchanged (as upstream). Resolves `true` when the node was created by this call.
   * @throws JenkinsError `ERR_JENKINS_NODE` when Jenkins accepted the request but the node is not there
   */
  async createNode(spec: CreateNodeSpec, opts: JenkinsCallOptions = {}): Promise<boolean> {
    if (await this.nodeExists(spec.name, opts)) {
      this.log.info('Jenkins node %s already exists', spec.name);
      return false;
    }
    await this.call({
      method: 'POST',
      path: `computer/doCreateItem?${createNodeQuery(spec)}`,
      body: '',
      ...sig(opts),
    });
    if (!(await this.nodeExists(spec.name, opts))) {
      throw new JenkinsError(
        `Cannot create Jenkins node "${spec.name}": it does not exist after creation`,
        {
          ...this.where('POST computer/doCreateItem'),
          code: 'ERR_JENKINS_NODE',
          details: { node: spec.name },
        },
      );
    }
    return true;
  }

  /**
   * Deletes a node: reads it (404 → JenkinsNotFoundError), posts `doDelete`, checks it is gone.
   * @throws JenkinsError `ERR_JENKINS_NODE` when the node still exists afterwards
   */
  async deleteNode(name: string, opts: JenkinsCallOptions = {}): Promise<void> {
    await this.getNodeInfo(name, opts);
    const path = `computer/${pyQuote(name)}/doDelete`;
    await this.call({ method: 'POST', path, body: '', ...sig(opts) });
    if (await this.nodeExists(name, opts)) {
      throw new JenkinsError(`Cannot delete Jenkins node "${name}": it still exists`, {
        ...this.where(`POST ${path}`),
        code: 'ERR_JENKINS_NODE',
        details: { node: name },
      });
    }
  }

  /** `GET computer/<name>/config.xml`. */
  getNodeConfig(name: string, opts: JenkinsCallOptions = {}): Promise<string> {
    return this.call({ method: 'GET', path: `computer/${pyQuote(name)}/config.xml`, ...sig(opts) });
  }

  /** `POST computer/<name>/config.xml` with `Content-Type: text/xml`. */
  async setNodeConfig(name: string, xml: string, opts: JenkinsCallOptions = {}): Promise<void> {
    await this.call({
      method: 'POST',
      path: `computer/${pyQuote(name)}/config.xml`,
      body: xml,
      contentType: 'text/xml',
      ...sig(opts),
    });
  }

  /** `POST job/<name>/buildWithParameters?<params>` (or `build` without parameters). */
  async buildJob(
    name: string,
    params: Readonly<Record<string, string>> = {},
    opts: JenkinsCallOptions = {},
  ): Promise<void> {
    const pairs = Object.entries(params);
    const path =
      pairs.length > 0
        ? `${jobPath(name)}buildWithParameters?${pyUrlencode(pairs)}`
        : `${jobPath(name)}build`;
    await this.call({ method: 'POST', path, body: '', ...sig(opts) });
  }

  private where(request?: string, status?: number, cause?: unknown): JenkinsErrorOptions {
    return {
      url: maskUrlCredentials(this.url),
      ...(request === undefined ? {} : { request }),
      ...(status === undefined ? {} : { status }),
      ...(cause === undefined ? {} : { cause }),
    };
  }

  private json(text: string, path: string): Record<string, unknown> {
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === 'object' && v !== null && !Array.isArray(v))
        return v as Record<string, unknown>;
    } catch (err) {
      throw new JenkinsError(
        `Cannot read Jenkins ${path}: the reply is not JSON`,
        this.where(`GET ${path}`, undefined, err),
      );
    }
    throw new JenkinsError(
      `Cannot read Jenkins ${path}: the reply is not a JSON object`,
      this.where(`GET ${path}`),
    );
  }

  /** POSTs carry the crumb; a 403 with a cached crumb refreshes it once (it may be stale). */
  private async call(req: Request): Promise<string> {
    if (req.method === 'GET') return this.send(req, null);
    if (this.crumb === undefined) this.crumb = await this.fetchCrumb(req.signal);
    try {
      return await this.send(req, this.crumb);
    } catch (err) {
      if (!(err instanceof JenkinsAuthError) || err.status !== 403) throw err;
      this.log.debug('Jenkins refused %s %s with 403; fetching a new crumb', req.method, req.path);
      this.crumb = await this.fetchCrumb(req.signal);
      if (this.crumb === null) throw err;
      return this.send(req, this.crumb);
    }
  }

  private async fetchCrumb(signal?: AbortSignal): Promise<Crumb | null> {
    let text: string;
    try {
      text = await this.send(
        { method: 'GET', path: 'crumbIssuer/api/json', ...(signal ? { signal } : {}) },
        null,
        true,
      );
    } catch (err) {
      if (err instanceof JenkinsNotFoundError) return null;
      throw err;
    }
    const body = this.json(text, 'crumbIssuer/api/json');
    if (typeof body.crumb !== 'string' || typeof body.crumbRequestField !== 'string') {
      throw new JenkinsError(
        'Cannot read the Jenkins CSRF crumb: "crumb" and "crumbRequestField" must be strings',
        this.where('GET crumbIssuer/api/json'),
      );
    }
    return { field: body.crumbRequestField, value: body.crumb };
  }

  private async send(req: Request, crumb: Crumb | null, keepCookie = false): Promise<string> {
    const what = `${req.method} ${req.path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    const headers: Record<string, string> = {};
    if (this.auth !== null) headers.authorization = this.auth;
    if (crumb !== null) headers[crumb.field] = crumb.value;
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    // Jenkins 2.176+ binds crumbs to the web session that issued them.
    if (this.cookie !== null && !keepCookie) headers.cookie = this.cookie;
    const started = performance.now();
    try {
      const res = await fetch(this.url + req.path, {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        signal,
        redirect: 'manual',
      });
      const text = await res.text();
      this.log.debug(
        'Jenkins %s answered %d in %d ms',
        what,
        res.status,
        Math.round(performance.now() - started),
      );
      if (keepCookie) {
        const cookies = res.headers
          .getSetCookie()
          .map((c) => c.split(';')[0] ?? '')
          .filter((c) => c !== '');
        this.cookie = cookies.length > 0 ? cookies.join('; ') : null;
      }
      if (res.status >= 200 && res.status < 400) return text;
      throw this.statusError(what, res.status, text);
    } catch (err) {
      if (err instanceof JenkinsError) throw err;
      if (req.signal?.aborted) throw req.signal.reason;
      if (timeout.aborted) {
        throw new JenkinsError(
          `Cannot ${what} on Jenkins ${maskUrlCredentials(this.url)}: no answer within ${this.timeoutMs} ms`,
          { ...this.where(what), code: 'ERR_JENKINS_TIMEOUT' },
        );
      }
      throw new JenkinsError(
        `Cannot reach Jenkins ${maskUrlCredentials(this.url)} for ${what}: ${describeFetchError(err)}`,
        { ...this.where(what, undefined, err), code: 'ERR_JENKINS_UNREACHABLE' },
      );
    }
  }

  private statusError(what: string, status: number, body: string): JenkinsError {
    const url = maskUrlCredentials(this.url);
    if (status === 401 || status === 403) {
      return new JenkinsAuthError(
        `Cannot ${what} on Jenkins ${url}: refused with HTTP ${status} (credentials or CSRF crumb)`,
        this.where(what, status),
      );
    }
    if (status === 404)
      return new JenkinsNotFoundError(
        `Cannot ${what} on Jenkins ${url}: not found`,
        this.where(what, status),
      );
    const snippet = body.slice(0, 200).replace(/\s+/g, ' ').trim();
    return new JenkinsError(
      `Cannot ${what} on Jenkins ${url}: HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
      this.where(what, status),
    );
  }
}

function sig(opts: JenkinsCallOptions): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {};
}

function describeFetchError(err: unknown): string {
  const cause =
    err instanceof Error
      ? (err.cause as { code?: string; message?: string } | undefined)
      : undefined;
  if (cause?.code !== undefined)
    return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
