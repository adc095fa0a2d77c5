/**
 * The session used for fake-cloud nodes (the `fakeSsh` connector, as upstream 0.4.0's
 * `FakeSSHClient`): every command succeeds with no output and files are kept in memory.
 */
import type { SshHostKey } from './host.js';
import { uploadFiles } from './upload.js';
import type {
  ExecOptions,
  ExecResult,
  MkdirOptions,
  SshSession,
  UploadOptions,
  WriteFileOptions,
} from './session.js';

/** Host key reported for fake nodes. */
export const FAKE_HOST_KEY: SshHostKey = Object.freeze({
  type: 'ssh-rsa',
  base64: 'fake',
  fingerprint: 'SHA256:fake',
});

/** An in-memory {@link SshSession}; `commands` and `files` let tests see what was done. */
export class FakeSshSession implements SshSession {
  readonly hostKey = FAKE_HOST_KEY;
  /** Every command run, in order. */
  readonly commands: string[] = [];
  /** Every file written: path → content and mode. */
  readonly files = new Map<string, { content: string; mode?: number }>();
  /** Every directory created. */
  readonly dirs = new Set<string>();
  private isStopped = false;

  constructor(
    readonly host: string,
    readonly port = 22,
  ) {}

  /** True once `stop()` was called. */
  get stopped(): boolean {
    return this.isStopped;
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    options.signal?.throwIfAborted();
    this.commands.push(command);
    return Promise.resolve({ exitCode: 0, signal: null, stdout: '', stderr: '' });
  }

  run(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(command, options);
  }

  writeFile(
    remotePath: string,
    content: string | Buffer,
    options: WriteFileOptions = {},
  ): Promise<void> {
    options.signal?.throwIfAborted();
    const text = typeof content === 'string' ? content : content.toString('utf8');
    this.files.set(
      remotePath,
      options.mode === undefined ? { content: text } : { content: text, mode: options.mode },
    );
    return Promise.resolve();
  }

  mkdirp(remotePath: string, options: MkdirOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    this.dirs.add(remotePath);
    return Promise.resolve();
  }

  async uploadDirectory(
    localDir: string,
    remoteDir: string,
    options: UploadOptions = {},
  ): Promise<string[]> {
    await this.mkdirp(remoteDir, options);
    return uploadFiles(localDir, remoteDir, options, (remote, data, mode) =>
      this.writeFile(remote, data, { mode }),
    );
  }

  stop(): Promise<void> {
    this.isStopped = true;
    return Promise.resolve();
  }
}
