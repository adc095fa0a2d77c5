/**
 * Preparing the server a 0.3-era snapshot image is made from (upstream 0.3.1
 * `SnapshotImageUpdater.bootstrapServer`): make `/etc/nodepool` world-writable, copy
 * `script-dir` to `/opt/nodepool-scripts`, run the image's `setup` script.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { setupScriptError } from './errors.js';
import { NODEPOOL_DIR } from './node-files.js';
import { SCRIPTS_DIR } from './ready-script.js';
import type { SshSession } from './session.js';
import { nodepoolEnvAssignments, shellQuote } from './shell.js';

/** Options of {@link bootstrapTemplateServer}. */
export interface BootstrapTemplateOptions {
  /** The server's name, passed to `setup` as its argument. */
  hostname: string;
  /** Local directory whose files are copied (`script-dir`). */
  scriptDir?: string;
  /** Script in `script-dir` to run (the image's `setup`). */
  setup?: string;
  /** Variables whose `NODEPOOL_*` entries are passed to `setup`. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** @default '/etc/nodepool' */
  nodepoolDir?: string;
  /** @default '/opt/nodepool-scripts' */
  scriptsDir?: string;
  /** Prefix for privileged commands; '' when logged in as root. @default 'sudo' */
  sudo?: string;
  /** Pause after `setup` and `sync`, so the disk settles before the snapshot. @default 5000 */
  settleMs?: number;
  /** Limit for the setup script. None by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** Compat: upstream pins PATH because cloud users may log in with a minimal one. */
const SET_PATH = 'export PATH=/usr/local/sbin:/sbin:/usr/sbin:/usr/local/bin:/bin:/usr/bin';

/**
 * Runs the bootstrap steps over `session`. Returns the names of the scripts copied.
 * @throws SshCommandError when a preparation command fails
 * @throws NodepoolError ERR_SETUP_SCRIPT when `setup` exits non-zero
 */
export async function bootstrapTemplateServer(
  session: SshSession,
  options: BootstrapTemplateOptions,
): Promise<string[]> {
  const { signal, log } = options;
  const sudo = options.sudo ?? 'sudo';
  const su = (cmd: string): string => (sudo === '' ? cmd : `${sudo} ${cmd}`);
  const confDir = shellQuote(options.nodepoolDir ?? NODEPOOL_DIR);
  const target = shellQuote(options.scriptsDir ?? SCRIPTS_DIR);
  // /etc/nodepool is world-writable because, once launched, the node's user may have lost sudo.
  await session.run(su(`mkdir -p ${confDir}`), { signal });
  await session.run(su(`chmod 0777 ${confDir}`), { signal });
  let copied: string[] = [];
  if (options.scriptDir !== undefined) {
    // Upload unprivileged into the home dir, then move into place with sudo.
    const staging = `nodepool-scripts-${randomUUID()}`;
    copied = await session.uploadDirectory(options.scriptDir, staging, { signal });
    await session.run(
      `${su(`mkdir -p ${target}`)} && ${su(`cp -R ${staging}/. ${target}/`)} && rm -rf ${staging}`,
      { signal },
    );
    await session.run(su(`chmod -R a+rx ${target}`), { signal });
    log?.info(
      { host: session.host, scripts: copied.length },
      'Copied scripts to the template server',
    );
  }
  if (options.setup === undefined) return copied;
  const env = nodepoolEnvAssignments(options.env ?? process.env);
  const settle = Math.ceil((options.settleMs ?? 5000) / 1000);
  const command =
    `${SET_PATH}; cd ${target} && ${env === '' ? '' : `${env} `}` +
    `${shellQuote(`./${options.setup}`)} ${shellQuote(options.hostname)} && sync` +
    (settle > 0 ? ` && sleep ${settle}` : '');
  log?.info({ host: session.host, setup: options.setup }, 'Running setup script');
  const res = await session.exec(command, { pty: true, timeoutMs: options.timeoutMs, signal });
  if (res.exitCode === 0) return copied;
  const output = res.stdout + res.stderr;
  const status =
    res.exitCode === null
      ? `killed (${res.signal ?? 'connection lost'})`
      : `exit status ${res.exitCode}`;
  throw setupScriptError(
    `Setup script "${options.setup}" failed on ${options.hostname} (${session.host}): ${status}: ${output.trim().slice(-1000) || 'no output'}`,
    { host: session.host, script: options.setup, exitCode: res.exitCode, output },
  );
}
