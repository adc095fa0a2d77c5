/**
 * A small Jenkins master for tests (node:http on 127.0.0.1:0) with the endpoints nodepool
 * uses: `api/json` (quietingDown), `crumbIssuer/api/json` (CSRF, toggleable, session-bound
 * like Jenkins 2.176+), node create/info/delete/config.xml and `buildWithParameters`. It
 * records every call and can require Basic auth, fail node deletion or never answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded request. */
export interface JenkinsCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A node as the fake stores it. */
export interface FakeJenkinsNode {
  name: string;
  /** The parsed `json` field of doCreateItem. */
  json: Record<string, unknown>;
  configXml: string;
}

/** Behaviour switches; change them at any time. */
export interface FakeJenkinsBehaviour {
  /** Require a crumb on POST (403 without it). */
  requireCrumb: boolean;
  quietingDown: boolean;
  /** Accept doDelete but keep the node. */
  keepDeletedNodes: boolean;
  /** Accept doCreateItem but create nothing. */
  dropCreatedNodes: boolean;
  /** Never answer any request. */
  hang: boolean;
  /** When set, Basic auth must match. */
  credentials: { user: string; apikey: string } | null;
}

const CRUMB_FIELD = 'Jenkins-Crumb';

/** The fake master. */
export class FakeJenkins {
  readonly calls: JenkinsCall[] = [];
  readonly nodes = new Map<string, FakeJenkinsNode>();
  readonly builds: Array<{ job: string; params: Record<string, string> }> = [];
  readonly behaviour: FakeJenkinsBehaviour = {
    requireCrumb: false,
    quietingDown: false,
    keepDeletedNodes: false,
    dropCreatedNodes: false,
    hang: false,
    credentials: null,
  };
  /** Crumbs issued, by session id. */
  private readonly crumbs = new Map<string, string>();
  private sessions = 0;
  private readonly hung: http.ServerResponse[] = [];

  private constructor(private readonly server: http.Server) {}

  /** Starts on a free port. */
  static async start(behaviour: Partial<FakeJenkinsBehaviour> = {}): Promise<FakeJenkins> {
    let fake: FakeJenkins | null = null;
    const server = http.createServer((req, res) => fake?.handle(req, res));
    fake = new FakeJenkins(server);
    Object.assign(fake.behaviour, behaviour);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** Base URL with a trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Calls whose path (without query) matches. */
  callsTo(method: string, path: string): JenkinsCall[] {
    return this.calls.filter((c) => c.method === method && c.path === path);
  }

  /** Closes the server and every open connection. */
  async stop(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const call: JenkinsCall = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.calls.push(call);
      if (this.behaviour.hang) {
        this.hung.push(res);
        return;
      }
      const [status, body, headers] = this.route(call);
      res.writeHead(status, {
        'content-type': body.startsWith('<') ? 'application/xml' : 'application/json',
        ...headers,
      });
      res.end(body);
    });
  }

  private route(c: JenkinsCall): [number, string, Record<string, string>?] {
    const creds = this.behaviour.credentials;
    if (creds !== null) {
      const want = `Basic ${Buffer.from(`${creds.user}:${creds.apikey}`).toString('base64')}`;
      if (c.headers.authorization !== want) return [401, 'Unauthorized'];
    }
    if (c.method === 'GET' && c.path === '/api/json') {
      return [
        200,
        JSON.stringify({
          mode: 'NORMAL',
          nodeName: '',
          quietingDown: this.behaviour.quietingDown,
          useCrumbs: this.behaviour.requireCrumb,
        }),
      ];
    }
    if (c.method === 'GET' && c.path === '/crumbIssuer/api/json') {
      if (!this.behaviour.requireCrumb) return [404, 'Not Found'];
      const session = `s${++this.sessions}`;
      const crumb = `crumb-${session}`;
      this.crumbs.set(session, crumb);
      return [
        200,
        JSON.stringify({
          _class: 'hudson.security.csrf.DefaultCrumbIssuer',
          crumb,
          crumbRequestField: CRUMB_FIELD,
        }),
        { 'set-cookie': `JSESSIONID=${session}; Path=/; HttpOnly` },
      ];
    }
    if (c.method === 'POST' && this.behaviour.requireCrumb && !this.crumbOk(c))
      return [403, 'No valid crumb was included in the request'];
    const m = /^\/computer\/([^/]+)\/(api\/json|doDelete|config\.xml)$/.exec(c.path);
    if (c.method === 'POST' && c.path === '/computer/doCreateItem') return this.create(c);
    if (m !== null) return this.node(c, m[1] ?? '', m[2] ?? '');
    const b = /^\/job\/([^/]+)\/(buildWithParameters|build)$/.exec(c.path);
    if (c.method === 'POST' && b !== null) {
      this.builds.push({ job: b[1] ?? '', params: Object.fromEntries(c.query) });
      return [201, ''];
    }
    return [404, 'Not Found'];
  }

  private crumbOk(c: JenkinsCall): boolean {
    const cookie = /JSESSIONID=([^;]+)/.exec(c.headers.cookie ?? '')?.[1];
    const sent = c.headers[CRUMB_FIELD.toLowerCase()];
    return cookie !== undefined && sent !== undefined && this.crumbs.get(cookie) === sent;
  }

  private create(c: JenkinsCall): [number, string] {
    const name = c.query.get('name') ?? '';
    if (this.nodes.has(name)) return [400, `Agent called '${name}' already exists`];
    const json = JSON.parse(c.query.get('json') ?? '{}') as Record<string, unknown>;
    if (!this.behaviour.dropCreatedNodes) {
      const label = typeof json.labelString === 'string' ? json.labelString : '';
      const configXml = `<?xml version='1.1' encoding='UTF-8'?>\n<slave>\n  <name>${name}</name>\n  <label>${label}</label>\n  <numExecutors>1</numExecutors>\n</slave>\n`;
      this.nodes.set(name, { name, json, configXml });
    }
    return [200, ''];
  }

  private node(c: JenkinsCall, name: string, what: string): [number, string] {
    const node = this.nodes.get(name);
    if (node === undefined) return [404, 'Not Found'];
    if (what === 'api/json' && c.method === 'GET')
      return [200, JSON.stringify({ displayName: name, offline: false, numExecutors: 1 })];
    if (what === 'doDelete' && c.method === 'POST') {
      if (!this.behaviour.keepDeletedNodes) this.nodes.delete(name);
      return [200, ''];
    }
    if (what === 'config.xml' && c.method === 'GET') return [200, node.configXml];
    if (what === 'config.xml' && c.method === 'POST') {
      node.configXml = c.body;
      return [200, ''];
    }
    return [405, 'Method Not Allowed'];
  }
}
