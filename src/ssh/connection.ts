/**
 * One SSH connection to one node over the `ssh2` library, as a Service: `start()` connects
 * and authenticates once (no retry: see `connectSsh` for that), `stop()` closes every
 * channel and the socket. Aborting the `signal` option also closes it.
 */
import { Client } from 'ssh2';
import type { ConnectConfig, SFTPWrapper } from 'ssh2';
import type { Logger } from 'pino';
import { BaseService, delay } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { illegalStateError } from '../errors.js';
import { sftpError, SshCommandError } from './errors.js';
import type { HostKeyMismatchError } from './errors.js';
import { checkHostKey, connectErrorFor, describeCredential } from './handshake.js';
import type { HandshakeContext } from './handshake.js';
import { execOnClient } from './exec.js';
import { bareHost, describeHostKey, formatHostPort, loadPrivateKey } from './host.js';
import type { PrivateKeySource, SshHostKey } from './host.js';
import type {
  ExecOptions,
  ExecResult,
  MkdirOptions,
  SshSession,
  UploadOptions,
  WriteFileOptions,
} from './session.js';
import { sftpMkdirp, sftpWriteFile } from './sftp.js';
import { uploadFiles } from './upload.js';

/** Options of {@link SshConnection}. */
export interface SshConnectionOptions {
  /** IPv4, IPv6 (brackets optional) or name. */
  host: string;
  /** @default 22 */
  port?: number;
  username: string;
  /** Private key file path, or the key itself. Either this or `password`. */
  privateKey?: PrivateKeySource;
  /** Names the key in messages when `privateKey` is the key itself (e.g. its file path). */
  privateKeyName?: string;
  password?: string;
  /** Limit for TCP connect, handshake and login of this one attempt. @default 30_000 */
  connectTimeoutMs?: number;
  /**
   * Host key the server must present: `"<type> <base64>"` or `"SHA256:..."`. Unset accepts
   * any key (as upstream 0.4.0) and records it in `hostKey`.
   */
  expectedHostKey?: string;
  /** Aborting closes the connection (or cancels the connect). */
  signal?: AbortSignal;
  log?: Logger;
}

/** A single SSH connection to a node; implements {@link SshSession}. */
export class SshConnection extends BaseService implements SshSession {
  readonly host: string;
  readonly port: number;
  private readonly opts: SshConnectionOptions;
  private client: Client | null = null;
  private closed: Promise<void> | null = null;
  private sftpSession: Promise<SFTPWrapper> | null = null;
  private key: SshHostKey | null = null;
  private readonly onExternalAbort = (): void => void this.stop().catch(() => undefined);

  constructor(options: SshConnectionOptions) {
    super();
    if (options.privateKey === undefined && options.password === undefined) {
      throw new TypeError(
        `Cannot connect to "${options.host}" over SSH: neither privateKey nor password given`,
      );
    }
    this.opts = options;
    this.host = bareHost(options.host);
    this.port = options.port ?? 22;
  }

  /** `user@host:port` for messages. */
  get target(): string {
    return `${this.opts.username}@${formatHostPort(this.host, this.port)}`;
  }

  /** The server's host key; available once started. */
  get hostKey(): SshHostKey {
    if (this.key === null)
      throw illegalStateError(
        `Cannot read the host key of ${this.target}: not connected`,
        this.state,
      );
    return this.key;
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.opts.log?.debug({ host: this.host, port: this.port, from, to }, 'SSH connection %s', to);
  }

  protected async doStart(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.opts.signal?.removeEventListener('abort', this.onExternalAbort);
      throw err;
    }
  }

  private async connect(): Promise<void> {
    const external = this.opts.signal;
    if (external?.aborted) throw external.reason;
    external?.addEventListener('abort', this.onExternalAbort, { once: true });
    const privateKey =
      this.opts.privateKey === undefined ? undefined : await loadPrivateKey(this.opts.privateKey);
    // stop() may have been called while the key was read.
    if (this.signal.aborted) throw external?.aborted ? external.reason : this.signal.reason;
    const client = new Client();
    this.client = client;
    this.closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    let mismatch: HostKeyMismatchError | null = null;
    const config: ConnectConfig = {
      host: this.host,
      port: this.port,
      username: this.opts.username,
      privateKey,
      password: this.opts.password,
      readyTimeout: this.opts.connectTimeoutMs ?? 30_000,
      tryKeyboard: false,
      hostVerifier: (blob: Buffer): boolean => {
        this.key = describeHostKey(blob);
        if (this.opts.expectedHostKey === undefined) {
          this.opts.log?.debug(
            { host: this.host, fingerprint: this.key.fingerprint },
            'Accepting unverified host key',
          );
        }
        mismatch = checkHostKey(this.key, this.opts.expectedHostKey, this.context);
        return mismatch === null;
      },
    };
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('close', onClose);
        this.signal.removeEventListener('abort', onAbort);
      };
      const onReady = (): void => {
        cleanup();
        // Commands and SFTP are small request/reply exchanges: no Nagle delay (as OpenSSH).
        client.setNoDelay(true);
        resolve();
      };
      const onError = (err: Error): void => {
        cleanup();
        client.destroy();
        reject(
          mismatch ??
            connectErrorFor(err, {
              ...this.context,
              credential: describeCredential(this.opts.privateKey, this.opts.privateKeyName),
            }),
        );
      };
      const onClose = (): void =>
        onError(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
      const onAbort = (): void => {
        cleanup();
        client.destroy();
        reject(external?.aborted ? external.reason : this.signal.reason);
      };
      client.on('ready', onReady).on('error', onError).on('close', onClose);
      this.signal.addEventListener('abort', onAbort, { once: true });
      // Late errors (after ready) surface on the channels; keep one listener so none is unhandled.
      client.on('error', (err) =>
        this.opts.log?.debug({ err, host: this.host }, 'SSH connection error'),
      );
      client.connect(config);
    });
    this.opts.log?.debug(
      { host: this.host, port: this.port, fingerprint: this.key?.fingerprint },
      'SSH connected',
    );
  }

  private get context(): HandshakeContext {
    return { host: this.host, port: this.port, username: this.opts.username, target: this.target };
  }

  protected async doStop(): Promise<void> {
    this.opts.signal?.removeEventListener('abort', this.onExternalAbort);
    const client = this.client;
    if (client === null || this.closed === null) return;
    try {
      const sftp = this.sftpSession === null ? null : await this.sftpSession.catch(() => null);
      sftp?.end();
    } catch {
      // The connection is going away anyway.
    }
    client.end();
    // A peer that does not answer our disconnect gets 2 s, then the socket is destroyed.
    if (!(await this.waitClosed(2000))) {
      client.destroy();
      if (!(await this.waitClosed(2000))) {
        this.opts.log?.warn(
          { host: this.host, port: this.port },
          'SSH socket did not close after destroy',
        );
      }
    }
  }

  /** Resolves true once the client emitted `close`, false after `ms`. */
  private async waitClosed(ms: number): Promise<boolean> {
    const timer = new AbortController();
    const closed = this.closed ?? Promise.resolve();
    try {
      return await Promise.race([
        closed.then(() => true),
        delay(ms, { signal: timer.signal }).then(
          () => false,
          () => false,
        ),
      ]);
    } finally {
      timer.abort();
    }
  }

  private requireClient(): Client {
    if (this.state !== 'running' || this.client === null) {
      throw illegalStateError(
        `Cannot use the SSH connection to ${this.target}: state is "${this.state}"`,
        this.state,
      );
    }
    return this.client;
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return execOnClient(this.requireClient(), command, {
      ...options,
      host: this.host,
      port: this.port,
      username: this.opts.username,
      target: this.target,
      closeSignal: this.signal,
    });
  }

  async run(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const res = await this.exec(command, options);
    if (res.exitCode === 0) return res;
    const status =
      res.exitCode === null
        ? res.signal === null
          ? 'the connection was lost'
          : `killed by ${res.signal}`
        : `exit status ${res.exitCode}`;
    const tail = (res.stderr.trim() || res.stdout.trim()).slice(-500);
    throw new SshCommandError(
      `Command failed on ${this.target}: ${status}: "${command}"${tail ? `: ${tail}` : ''}`,
      {
        host: this.host,
        command,
        exitCode: res.exitCode,
        signal: res.signal,
        stdout: res.stdout,
        stderr: res.stderr,
      },
    );
  }

  private sftp(): Promise<SFTPWrapper> {
    const client = this.requireClient();
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      client.sftp((err, sftp) => {
        if (!err) return resolve(sftp);
        const hint = 'the node\'s sshd needs an "sftp" Subsystem';
        reject(
          sftpError(`Cannot open an SFTP session to ${this.target}: ${err.message} (${hint})`, {
            host: this.host,
            path: '',
            operation: 'open session',
            cause: err,
          }),
        );
      });
    });
    return this.sftpSession;
  }

  async writeFile(
    remotePath: string,
    content: string | Buffer,
    options: WriteFileOptions = {},
  ): Promise<void> {
    options.signal?.throwIfAborted();
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    await sftpWriteFile(await this.sftp(), this.host, remotePath, data, options.mode);
  }

  async mkdirp(remotePath: string, options: MkdirOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await sftpMkdirp(await this.sftp(), this.host, remotePath, options.mode ?? 0o755);
  }

  async uploadDirectory(
    localDir: string,
    remoteDir: string,
    options: UploadOptions = {},
  ): Promise<string[]> {
    await this.mkdirp(remoteDir, { signal: options.signal });
    return uploadFiles(localDir, remoteDir, options, (remote, data, mode) =>
      this.writeFile(remote, data, { mode, signal: options.signal }),
    );
  }
}
