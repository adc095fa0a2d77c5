/**
 * The contract of an open SSH session to one node, implemented by {@link SshConnection}
 * (real) and {@link FakeSshSession} (fake-cloud nodes). The launcher and the snapshot
 * image builder only use this interface.
 */
import type { SshHostKey } from './host.js';

/** Options of {@link SshSession.exec}. */
export interface ExecOptions {
  /** Allocate a pseudo-terminal (stderr is then merged into stdout). @default false */
  pty?: boolean;
  /** Close the command's channel after this long and throw ERR_SSH_COMMAND_TIMEOUT. */
  timeoutMs?: number;
  /** Text sent to the command's stdin, then EOF. */
  stdin?: string;
  /** Keep at most this many bytes of each output stream (the tail). @default 1 MiB */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

/** What a remote command did. */
export interface ExecResult {
  /** Null when the command was killed by a signal or the connection dropped. */
  exitCode: number | null;
  /** Signal name (`SIGKILL`) when killed by one. */
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link SshSession.writeFile}. */
export interface WriteFileOptions {
  /** File mode, applied (also to an existing file) before any content is written. */
  mode?: number;
  signal?: AbortSignal;
}

/** Options of {@link SshSession.mkdirp}. */
export interface MkdirOptions {
  /** Mode of the directories created. @default 0o755 */
  mode?: number;
  signal?: AbortSignal;
}

/** Options of {@link SshSession.uploadDirectory}. */
export interface UploadOptions {
  /** Mode for every file; the local file's permission bits when unset. */
  mode?: number;
  signal?: AbortSignal;
}

/** An open, authenticated SSH session to one node. */
export interface SshSession {
  /** Address connected to (no brackets). */
  readonly host: string;
  readonly port: number;
  /** The server's host key, read during the handshake. */
  readonly hostKey: SshHostKey;
  /** Runs `command` in the login shell and returns its output and exit status. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Like {@link exec}, but an exit status other than 0 throws `SshCommandError`.
   * @throws SshCommandError
   */
  run(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes `content` to `remotePath` over SFTP, replacing it. @throws NodepoolError ERR_SSH_SFTP */
  writeFile(
    remotePath: string,
    content: string | Buffer,
    options?: WriteFileOptions,
  ): Promise<void>;
  /** Creates `remotePath` and its missing parents over SFTP. @throws NodepoolError ERR_SSH_SFTP */
  mkdirp(remotePath: string, options?: MkdirOptions): Promise<void>;
  /**
   * Copies the regular files directly inside `localDir` (not subdirectories, as upstream's
   * script copy) into `remoteDir`, creating it. Returns the file names copied, sorted.
   */
  uploadDirectory(localDir: string, remoteDir: string, options?: UploadOptions): Promise<string[]>;
  /** Closes every channel and the socket. Idempotent. */
  stop(): Promise<void>;
}
