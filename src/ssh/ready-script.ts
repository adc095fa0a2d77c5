/**
 * The label's `ready-script` (docs/behaviour.md#ready-script): run from `/opt/nodepool-scripts` on each
 * node of the set, with the daemon's `NODEPOOL_*` variables and the node's hostname.
 */
import type { Logger } from 'pino';
import { readyScriptError } from './errors.js';
import type { ExecResult, SshSession } from './session.js';
import { nodepoolEnvAssignments, shellQuote } from './shell.js';

/** Where images put nodepool's scripts. */
export const SCRIPTS_DIR = '/opt/nodepool-scripts';

/** Options of {@link buildReadyScriptCommand}. */
export interface ReadyScriptCommandOptions {
  /** That node's hostname, passed as the only argument. */
  hostname: string;
  /** Variables whose `NODEPOOL_*` entries are passed on. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** @default '/opt/nodepool-scripts' */
  scriptsDir?: string;
}

/**
 * Builds `cd /opt/nodepool-scripts && NODEPOOL_X='v' ./<script> <hostname>`.
 * Compat fix: upstream pasted values between double quotes unescaped; here every value,
 * the script and the hostname are shell-quoted.
 */
export function buildReadyScriptCommand(
  script: string,
  options: ReadyScriptCommandOptions,
): string {
  const env = nodepoolEnvAssignments(options.env ?? process.env);
  const dir = shellQuote(options.scriptsDir ?? SCRIPTS_DIR);
  const run = `${shellQuote(`./${script}`)} ${shellQuote(options.hostname)}`;
  return `cd ${dir} && ${env === '' ? '' : `${env} `}${run}`;
}

/** Options of {@link runReadyScript}. */
export interface RunReadyScriptOptions extends ReadyScriptCommandOptions {
  /** Limit for the script; none by default (upstream waits forever), abort still works. */
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

function tail(text: string, max = 1000): string {
  const t = text.trim();
  return t.length > max ? `...${t.slice(-max)}` : t;
}

/**
 * Runs the ready script on the node behind `session`, with a pty as upstream (so `sudo`
 * with `requiretty` works; stderr is merged into the output). Returns the result.
 * @throws NodepoolError ERR_READY_SCRIPT when it exits non-zero or is killed
 */
export async function runReadyScript(
  session: SshSession,
  script: string,
  options: RunReadyScriptOptions,
): Promise<ExecResult> {
  const command = buildReadyScriptCommand(script, options);
  options.log?.info(
    { host: session.host, script },
    'Running ready script %s on %s',
    script,
    options.hostname,
  );
  const res = await session.exec(command, {
    pty: true,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const output = res.stdout + res.stderr;
  if (res.exitCode === 0) {
    options.log?.debug({ host: session.host, script, output }, 'Ready script finished');
    return res;
  }
  const status =
    res.exitCode === null
      ? `killed (${res.signal ?? 'connection lost'})`
      : `exit status ${res.exitCode}`;
  throw readyScriptError(
    `Ready script "${script}" failed on ${options.hostname} (${session.host}): ${status}: ${tail(output) || 'no output'}`,
    { host: session.host, script, exitCode: res.exitCode, output },
  );
}
