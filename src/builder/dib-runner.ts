/**
 * Runs `disk-image-create` (docs/behaviour.md#running-disk-image-create): the command line and environment exactly
 * as upstream builds them, output streamed line by line to the image's logger and to a
 * per-build log file, an optional time limit, and a child that lives in its own process
 * group so that stopping or timing out kills dib and everything it started.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { CompiledDiskImage } from '../config/index.js';
import { NodepoolError } from '../errors.js';
import { schedule } from '../util/index.js';

/** `--qemu-img-options` value upstream passes whenever a qcow2 is built. */
export const QEMU_IMG_COMPAT_OPTIONS = 'compat=0.10';

/** What {@link dibCommand} needs. */
export interface DibCommandInput {
  /** The executable (`disk-image-create`, found on PATH, or a path). */
  readonly dibCmd: string;
  readonly diskimage: CompiledDiskImage;
  readonly imagesDir: string;
  readonly elementsDir?: string;
  /** The new build's 10-digit id. */
  readonly buildId: string;
  /** Output formats. @default diskimage.imageTypes */
  readonly types?: readonly string[];
  /** Environment the child starts from. @default process.env */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
}

/** A ready-to-run dib invocation. */
export interface DibCommand {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** `<images-dir>/<image>-<bid>`: dib's `-o`, without extension. */
  readonly outputBase: string;
  readonly types: readonly string[];
}

/**
 * The argv and environment of one build, as upstream 0.4.0 makes them:
 * `<dib> -x -t <types> --checksum --no-tmpfs [--qemu-img-options compat=0.10] -o <out> <elements>`
 * with `DIB_RELEASE`, `DIB_IMAGE_NAME`, `DIB_IMAGE_FILENAME`, `ELEMENTS_PATH` (when
 * elements-dir is set) and then `env-vars`, over the inherited environment.
 */
export function dibCommand(input: DibCommandInput): DibCommand {
  const { diskimage } = input;
  const types = [...(input.types ?? diskimage.imageTypes)];
  const joined = types.join(',');
  // Compat: upstream joins paths with os.path.join and passes relative ones as they are.
  const outputBase = path.join(input.imagesDir, `${diskimage.name}-${input.buildId}`);
  const argv = [input.dibCmd, '-x', '-t', joined, '--checksum', '--no-tmpfs'];
  // Compat: upstream tests the joined text, so any type containing "qcow2" counts.
  if (joined.includes('qcow2')) argv.push('--qemu-img-options', QEMU_IMG_COMPAT_OPTIONS);
  argv.push('-o', outputBase, ...diskimage.elements);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.baseEnv ?? process.env)) {
    if (v !== undefined) env[k] = v;
  }
  env.DIB_RELEASE = diskimage.release;
  env.DIB_IMAGE_NAME = diskimage.name;
  env.DIB_IMAGE_FILENAME = outputBase;
  if (input.elementsDir !== undefined && input.elementsDir !== '') {
    env.ELEMENTS_PATH = input.elementsDir;
  }
  Object.assign(env, diskimage.envVars);
  return { argv, env, outputBase, types };
}

/** How a dib run ended. */
export interface DibResult {
  /** `exited`: on its own; `timeout`: killed at the time limit; `aborted`: killed on request. */
  readonly outcome: 'exited' | 'timeout' | 'aborted';
  /** Exit status, or null when killed by a signal. */
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
}

/** Options of {@link runDib}. */
export interface RunDibOptions {
  /** Receives every output line at info (upstream: `nodepool.image.build.<image>`). */
  readonly log: Logger;
  /** Per-build log file (created with its directory); every output line is written to it. */
  readonly logFile?: string;
  /** Kill dib after this long. @default no limit (upstream) */
  readonly timeoutMs?: number;
  /** Abort to abandon the build: dib's process group is killed. */
  readonly signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL of the process group. @default 5000 */
  readonly killGraceMs?: number;
  /** Working directory. @default inherited */
  readonly cwd?: string;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Opens the build log; a log that cannot be written is reported, not fatal to the build. */
async function openLogFile(file: string | undefined, log: Logger): Promise<WriteStream | null> {
  if (file === undefined) return null;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const stream = createWriteStream(file, { flags: 'w' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  } catch (err) {
    log.warn({ err }, 'Cannot write build log "%s"; dib output goes to the log only', file);
    return null;
  }
}

function pipeLines(input: Readable, log: Logger, out: WriteStream | null): Promise<void> {
  return new Promise<void>((resolve) => {
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', (line) => {
      log.info('%s', line.trim());
      out?.write(line + '\n');
    });
    rl.once('close', () => resolve());
  });
}

/**
 * Runs one dib command to its end. dib runs in a new process group (session); on abort or
 * timeout the whole group gets SIGTERM, then SIGKILL after `killGraceMs`. After dib exits,
 * anything it left running in its group is killed too, so no child outlives the build.
 *
 * @throws BuilderError when the executable cannot be started (upstream's "Failed to exec")
 */
export async function runDib(command: DibCommand, options: RunDibOptions): Promise<DibResult> {
  const out = await openLogFile(options.logFile, options.log);
  try {
    return await runChild(command, options, out);
  } finally {
    if (out !== null) await new Promise<void>((resolve) => out.end(() => resolve()));
  }
}

async function runChild(
  command: DibCommand,
  options: RunDibOptions,
  out: WriteStream | null,
): Promise<DibResult> {
  const [file, ...args] = command.argv;
  if (file === undefined) throw new TypeError('Cannot run dib: empty command line');
  const child = spawn(file, args, {
    env: command.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  try {
    await spawned;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new NodepoolError(`Failed to exec '${command.argv.join(' ')}'. Error: '${reason}'`, {
      code: 'ERR_BUILDER',
      cause: err,
    });
  }
  const output = Promise.all([
    pipeLines(child.stdout, options.log, out),
    pipeLines(child.stderr, options.log, out),
  ]);

  let outcome: DibResult['outcome'] = 'exited';
  let cancelKill: (() => void) | null = null;
  const stop = (why: 'timeout' | 'aborted'): void => {
    if (outcome !== 'exited' || child.exitCode !== null || child.signalCode !== null) return;
    outcome = why;
    killGroup(child, 'SIGTERM');
    cancelKill = schedule(() => killGroup(child, 'SIGKILL'), options.killGraceMs ?? 5000);
  };
  const timeout =
    options.timeoutMs !== undefined && options.timeoutMs > 0
      ? AbortSignal.timeout(options.timeoutMs)
      : undefined;
  const onTimeout = (): void => stop('timeout');
  const onAbort = (): void => stop('aborted');
  timeout?.addEventListener('abort', onTimeout, { once: true });
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { code, signal } = await exited;
    // Whatever dib left behind in its group goes with it (its pipes would keep us waiting).
    killGroup(child, 'SIGKILL');
    await output;
    return { outcome, exitCode: code, exitSignal: signal };
  } finally {
    (cancelKill as (() => void) | null)?.();
    timeout?.removeEventListener('abort', onTimeout);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
