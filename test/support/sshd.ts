/**
 * Starts a real OpenSSH server (`/usr/sbin/sshd`, Debian `openssh-server`) for tests, as the
 * current user, in a temp dir: generated ed25519 host key, generated client key pair,
 * `authorized_keys`, and an sshd_config listening on one loopback address and port.
 *
 * "The node" is this machine: commands run over SSH run here, as the current user. Tests
 * therefore point remote paths (`/etc/nodepool`, `/opt/nodepool-scripts`) at temp dirs.
 */
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile, access } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Absolute path of the server binary (sshd re-execs itself, so it must be absolute). */
export const SSHD_PATH = '/usr/sbin/sshd';

/** Options of {@link startSshd}. */
export interface SshdOptions {
  /** Loopback address to bind, e.g. `127.100.0.5` or `::1`. @default '127.0.0.1' */
  bindAddress?: string;
  /** Port to listen on. @default a free port */
  port?: number;
  /** Extra `sshd_config` lines. */
  extraConfig?: string[];
  /** Authorize this existing client key instead of generating one (e.g. another sshd's). */
  clientKey?: { privateKeyPath: string; publicKey: string };
}

/** A running sshd; `stop()` kills it and removes its temp dir. */
export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** Temp dir holding keys, config and logs; tests may use it for scratch files. */
  dir: string;
  privateKeyPath: string;
  /** Public half of the client key, `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
  /** `SHA256:...` of the host key, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** Host key as `<type> <base64>` (what a host-key scan records). */
  hostKey: string;
  pid: number;
  /** Everything sshd logged so far (it runs with `-e`). */
  log(): string;
  /** Number of per-connection sshd processes (children of the listener) right now. */
  connectionCount(): Promise<number>;
  stop(): Promise<void>;
}

/** Returns why sshd cannot run here, or null when it can. */
export async function sshdUnavailableReason(): Promise<string | null> {
  try {
    await access(SSHD_PATH, fsConstants.X_OK);
  } catch {
    return `${SSHD_PATH} not found (install Debian package openssh-server)`;
  }
  return null;
}

/** Finds a free TCP port on `host` (closed again before returning). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function keygen(file: string, comment: string): Promise<void> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

async function fingerprint(pubFile: string): Promise<string> {
  const { stdout } = await execFileP('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]);
  const fp = stdout.split(' ')[1];
  if (fp === undefined) throw new Error(`Cannot read fingerprint of "${pubFile}": ${stdout}`);
  return fp;
}

function buildConfig(dir: string, bind: string, port: number, extra: string[]): string {
  const listen = bind.includes(':') ? `[${bind}]:${port}` : `${bind}:${port}`;
  return [
    `ListenAddress ${listen}`,
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthenticationMethods publickey',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    'MaxStartups 100',
    'MaxSessions 50',
    ...extra,
    '',
  ].join('\n');
}

/** Children of `pid`, read from /proc (Linux). */
async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === pid) out.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function waitListening(
  child: ChildProcess,
  logRef: { text: string },
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`sshd did not start within ${timeoutMs} ms: ${logRef.text}`)),
      timeoutMs,
    );
    const onData = (): void => {
      if (logRef.text.includes('Server listening on')) finish(null);
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`sshd exited with status ${code} before listening: ${logRef.text}`));
    function finish(err: Error | null): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

/**
 * Starts sshd on `bindAddress:port` (a free port by default) and resolves once it listens.
 * As root, creates the privilege separation dir `/run/sshd` when missing.
 */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const bind = options.bindAddress ?? '127.0.0.1';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-sshd-'));
  try {
    await keygen(path.join(dir, 'host_ed25519'), 'nodepool-test-host');
    let publicKey = options.clientKey?.publicKey;
    if (publicKey === undefined) {
      await keygen(path.join(dir, 'client_ed25519'), 'nodepool-test-client');
      publicKey = (await readFile(path.join(dir, 'client_ed25519.pub'), 'utf8')).trim();
    }
    await writeFile(path.join(dir, 'authorized_keys'), publicKey + '\n', { mode: 0o600 });
    const hostPub = (await readFile(path.join(dir, 'host_ed25519.pub'), 'utf8')).trim();
    const hostKeyFingerprint = await fingerprint(path.join(dir, 'host_ed25519.pub'));
    if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

    const port = options.port ?? (await freePort(bind));
    const cfg = path.join(dir, 'sshd_config');
    await writeFile(cfg, buildConfig(dir, bind, port, options.extraConfig ?? []));
    const child = spawn(SSHD_PATH, ['-D', '-e', '-f', cfg], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const logRef = { text: '' };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      logRef.text += chunk;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitListening(child, logRef, 10_000);
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      throw err;
    }

    const pid = child.pid ?? 0;
    let stopping: Promise<void> | null = null;
    return {
      host: bind,
      port,
      user: os.userInfo().username,
      dir,
      privateKeyPath: options.clientKey?.privateKeyPath ?? path.join(dir, 'client_ed25519'),
      publicKey,
      hostKeyFingerprint,
      hostKey: hostPub.split(' ').slice(0, 2).join(' '),
      pid,
      log: () => logRef.text,
      connectionCount: async () => (await childPids(pid)).length,
      stop: () =>
        (stopping ??= (async () => {
          // Per-connection children outlive the listener on SIGTERM; end them too.
          for (const c of await childPids(pid)) {
            try {
              process.kill(c, 'SIGTERM');
            } catch {
              // Already gone.
            }
          }
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
