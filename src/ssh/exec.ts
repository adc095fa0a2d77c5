/**
 * Runs one command on an ssh2 client: collects stdout/stderr (tail-capped), the exit status
 * or signal, and closes the channel on timeout or abort.
 */
import type { Client, ClientChannel } from 'ssh2';
import { sshCommandTimeoutError, SshConnectError } from './errors.js';
import type { ExecOptions, ExecResult } from './session.js';

/** Keeps the last `max` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

/** The command's exit status or signal, once the server sent it. */
interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/**
 * Opens the channel and starts listening for its exit status at once: a fast command's
 * status can arrive in the same packet batch as the channel's confirmation, and ssh2 emits
 * 'exit' while parsing it, before an `await` on this promise resumes.
 */
function openChannel(
  client: Client,
  command: string,
  opts: ExecOnClientOptions,
): Promise<{ channel: ClientChannel; exit: ExitStatus }> {
  const { host, port, username } = opts;
  return new Promise<{ channel: ClientChannel; exit: ExitStatus }>((resolve, reject) => {
    try {
      client.exec(command, { pty: opts.pty ?? false }, (err, channel) => {
        if (err) {
          reject(
            new SshConnectError(
              `Cannot open a channel to ${opts.target} for "${command}": ${err.message}`,
              {
                host,
                port,
                username,
                kind: 'closed',
                cause: err,
              },
            ),
          );
        } else {
          const exit: ExitStatus = { code: null, signal: null };
          channel.on('exit', (code: number | null, sig?: string) => {
            exit.code = code;
            exit.signal = sig ?? null;
          });
          resolve({ channel, exit });
        }
      });
    } catch (err) {
      reject(err);
    }
  });
}

/** Options of {@link execOnClient}: the public ones plus the owner's context. */
export interface ExecOnClientOptions extends ExecOptions {
  host: string;
  port: number;
  username: string;
  /** `user@host:port` for messages. */
  target: string;
  /** The connection's own stop signal. */
  closeSignal?: AbortSignal;
}

/** Runs `command` and resolves when its channel closes. */
export async function execOnClient(
  client: Client,
  command: string,
  opts: ExecOnClientOptions,
): Promise<ExecResult> {
  opts.signal?.throwIfAborted();
  opts.closeSignal?.throwIfAborted();
  const { channel, exit } = await openChannel(client, command, opts);
  const max = opts.maxOutputBytes ?? 1024 * 1024;
  const out = new TailBuffer(max);
  const err = new TailBuffer(max);
  const timeout = opts.timeoutMs === undefined ? null : AbortSignal.timeout(opts.timeoutMs);
  const signals = [opts.signal, opts.closeSignal, timeout].filter(
    (s): s is AbortSignal => s != null,
  );
  const stop = AbortSignal.any(signals);
  return new Promise<ExecResult>((resolve, reject) => {
    const onAbort = (): void => {
      // Ask the remote side to kill it, then drop the channel; 'close' follows.
      try {
        channel.signal('KILL');
      } catch {
        // Not supported by every server; the close below suffices.
      }
      try {
        channel.close();
      } catch {
        // The connection is already gone; 'close' has fired or will.
      }
      if (opts.signal?.aborted) reject(opts.signal.reason);
      else if (timeout?.aborted) {
        reject(
          sshCommandTimeoutError(
            `Command timed out on ${opts.target} after ${opts.timeoutMs} ms: "${command}"`,
            {
              host: opts.host,
              command,
              timeoutMs: opts.timeoutMs ?? 0,
            },
          ),
        );
      } else reject(opts.closeSignal?.reason);
    };
    channel.on('data', (d: Buffer) => out.push(d));
    channel.stderr.on('data', (d: Buffer) => err.push(d));
    channel.on('close', () => {
      stop.removeEventListener('abort', onAbort);
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        stdout: out.toString(),
        stderr: err.toString(),
      });
    });
    if (stop.aborted) onAbort();
    else stop.addEventListener('abort', onAbort, { once: true });
    if (opts.stdin !== undefined) channel.end(opts.stdin);
    // With a pty, EOF would reach the terminal; upstream never sends it there either.
    else if (opts.pty !== true) channel.end();
  });
}
