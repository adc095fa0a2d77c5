/**
 * SSH on every ACTIVE server's own addresses (option `sshPort` of the fake cloud): one
 * `ssh2` server per IPv4 address, listening while the server is ACTIVE and closed when it
 * goes (all share one host key). A launcher thus meets the fake's
 * nodes as it meets real ones: a TCP connect, a key exchange, a public-key login, commands
 * and SFTP. Binding 127.x.y.z:22 needs root (or CAP_NET_BIND_SERVICE); any port works.
 *
 * What a node does: accepts any public key; `echo TEXT` prints TEXT, every other command
 * succeeds silently; SFTP writes are kept in memory per server (see {@link NodeSshActivity}).
 */
import type { Logger } from 'pino';
import ssh2 from 'ssh2';
import type { Connection, Server, ServerChannel, SFTPWrapper } from 'ssh2';
import { generateEd25519KeyPair } from '../ssh/index.js';

// ssh2 is CommonJS: Node's ESM loader sees only some of its named exports.
const { utils } = ssh2;

const { STATUS_CODE } = utils.sftp;

/** What happened on one server's SSH, for tests and benchmarks. */
export interface NodeSshActivity {
  /** Successful logins. */
  logins: number;
  /** Commands run, in order. */
  commands: string[];
  /** Files written over SFTP: path → content. */
  files: Record<string, string>;
}

function echoOutput(command: string): string | null {
  const m = /^echo\s+(.*)$/s.exec(command.trim());
  if (m === null) return null;
  return `${m[1]!.replace(/^(['"])(.*)\1$/s, '$2')}\r\n`;
}

/** The SSH side of the fake cloud's servers. */
export class FakeNodeSsh {
  private readonly hostKey: string;
  private readonly listeners = new Map<string, { serverId: string; server: Server }>();
  private readonly activity = new Map<string, NodeSshActivity>();
  private readonly clients = new Set<Connection>();

  constructor(
    private readonly port: number,
    private readonly log?: Logger,
  ) {
    // Not ssh2's own generator: now and then it writes a key its parser calls malformed.
    this.hostKey = generateEd25519KeyPair().privateKey;
  }

  /** Per-server activity so far (servers that never had a login are absent). */
  snapshot(): Record<string, NodeSshActivity> {
    return structuredClone(Object.fromEntries(this.activity));
  }

  /** Binds the addresses in `wanted` (address → server id) not bound yet; closes the rest. */
  reconcile(wanted: ReadonlyMap<string, string>): void {
    for (const [addr, entry] of this.listeners) {
      if (wanted.get(addr) !== entry.serverId) void this.unbind(addr);
    }
    for (const [addr, serverId] of wanted) if (!this.listeners.has(addr)) this.bind(addr, serverId);
    const live = new Set(wanted.values());
    for (const id of this.activity.keys()) if (!live.has(id)) this.activity.delete(id);
  }

  /** Closes every listener and connection. */
  async stop(): Promise<void> {
    const closing = [...this.listeners.keys()].map((a) => this.unbind(a));
    for (const c of this.clients) c.end();
    this.clients.clear();
    await Promise.all(closing);
  }

  private bind(addr: string, serverId: string): void {
    const server = new ssh2.Server({ hostKeys: [this.hostKey] }, (client) =>
      this.serve(client, serverId),
    );
    const entry = { serverId, server };
    this.listeners.set(addr, entry);
    server.on('error', (err: Error) => {
      this.log?.warn({ err, addr }, 'Fake node SSH cannot listen on %s:%d', addr, this.port);
      if (this.listeners.get(addr) === entry) this.listeners.delete(addr);
    });
    server.listen(this.port, addr);
  }

  private unbind(addr: string): Promise<void> {
    const entry = this.listeners.get(addr);
    this.listeners.delete(addr);
    if (entry === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => entry.server.close(() => resolve()));
  }

  private record(serverId: string): NodeSshActivity {
    let a = this.activity.get(serverId);
    if (a === undefined) this.activity.set(serverId, (a = { logins: 0, commands: [], files: {} }));
    return a;
  }

  private serve(client: Connection, serverId: string): void {
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey') ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      this.record(serverId).logins += 1;
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('env', (ok) => ok?.());
        session.on('exec', (ok, _reject, info) => this.exec(ok(), serverId, info.command));
        session.on('sftp', (ok) => this.sftp(ok(), serverId));
      });
    });
  }

  private exec(channel: ServerChannel, serverId: string, command: string): void {
    this.record(serverId).commands.push(command);
    const out = echoOutput(command);
    if (out !== null) channel.write(out);
    channel.exit(0);
    channel.end();
  }

  private sftp(sftp: SFTPWrapper, serverId: string): void {
    const open = new Map<number, { path: string; chunks: Buffer[] }>();
    let next = 0;
    const files = this.record(serverId).files;
    sftp.on('OPEN', (reqid, filename) => {
      const id = next++;
      open.set(id, { path: filename, chunks: [] });
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(id);
      sftp.handle(reqid, handle);
    });
    const fileOf = (handle: Buffer): { path: string; chunks: Buffer[] } | undefined =>
      handle.length === 4 ? open.get(handle.readUInt32BE(0)) : undefined;
    sftp.on('WRITE', (reqid, handle, _offset, data) => {
      const f = fileOf(handle);
      f?.chunks.push(Buffer.from(data));
      sftp.status(reqid, f === undefined ? STATUS_CODE.FAILURE : STATUS_CODE.OK);
    });
    sftp.on('FSETSTAT', (reqid, handle) =>
      sftp.status(reqid, fileOf(handle) === undefined ? STATUS_CODE.FAILURE : STATUS_CODE.OK),
    );
    sftp.on('SETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
    sftp.on('MKDIR', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
    sftp.on('STAT', (reqid) =>
      sftp.attrs(reqid, { mode: 0o40755, uid: 0, gid: 0, size: 4096, atime: 0, mtime: 0 }),
    );
    sftp.on('LSTAT', (reqid) =>
      sftp.attrs(reqid, { mode: 0o40755, uid: 0, gid: 0, size: 4096, atime: 0, mtime: 0 }),
    );
    sftp.on('CLOSE', (reqid, handle) => {
      const f = fileOf(handle);
      if (f !== undefined) {
        files[f.path] = Buffer.concat(f.chunks).toString('utf8');
        open.delete(handle.readUInt32BE(0));
      }
      sftp.status(reqid, f === undefined ? STATUS_CODE.FAILURE : STATUS_CODE.OK);
    });
  }
}
