/** Command-line pieces shared by the two daemons: integer flags, paths, parse outcome. */
import { isAbsolute, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { parseListenAddress } from '../web/index.js';
import { argparseHelp } from './argparse-help.js';
import { VERSION } from './version.js';

/** commander parser of a worker count: a non-negative integer, as argparse `type=int`. */
export function parseCount(value: string): number {
  const text = value.trim();
  if (!/^[+-]?\d+$/.test(text))
    throw new InvalidArgumentError(`expected an integer: current value is "${value}"`);
  const n = Number(text);
  if (n < 0)
    throw new InvalidArgumentError(
      `expected a number of workers (0 or more): current value is "${value}"`,
    );
  return n;
}

/** commander parser of a `HOST:PORT` listen address: a bad value is a usage error. */
export function parseListenOption(value: string): { host: string; port: number } {
  try {
    return parseListenAddress(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** Resolves a path given on the command line against the directory the operator was in. */
export function resolveFrom(base: string, path: string): string;
export function resolveFrom(base: string, path: string | undefined): string | undefined;
export function resolveFrom(base: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return isAbsolute(path) ? path : resolve(base, path);
}

/**
 * A program set up the way both daemons want: own exit handling, upstream's `--version`,
 * and `--help` in argparse's layout with the long options of `trailing` (the port's extras
 * and `--version`) after upstream's own.
 */
export function daemonProgram(
  name: string,
  description: string,
  trailing: readonly string[] = ['--version'],
): Command {
  return new Command(name)
    .description(description)
    .helpOption('-h, --help', 'show this help message and exit')
    .configureHelp({ formatHelp: (cmd) => argparseHelp(cmd, { trailing }) })
    .option('--version', 'show version')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    });
}

/**
 * Parses `argv`. Returns the exit status when the command ends here (help, version, usage
 * error: 2, as argparse), or `null` to go on.
 */
export function parseDaemonArgs(program: Command, argv: readonly string[]): number | null {
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  if (program.opts<{ version?: boolean }>().version === true) {
    process.stdout.write(`Nodepool version: ${VERSION}\n`);
    return 0;
  }
  return null;
}

/** Whether an option got its value from the command line rather than its default. */
export function isExplicit(program: Command, key: string): boolean {
  return program.getOptionValueSource(key) === 'cli';
}

/** The `-d`, `-l` and `-p` options every daemon parses. */
export interface CommonDaemonFlags {
  nodaemon?: boolean;
  logconfig?: string;
  pidfile: string;
}

/**
 * The part of `runDaemonCommand`'s settings that both daemons derive the same way from their
 * flags: relative paths resolve against `base` (the operator's directory, also in the
 * detached child), and a pid file is written in the foreground only when `-p` was given.
 */
export function commonDaemonSettings(
  program: Command,
  flags: CommonDaemonFlags,
  options: { argv: readonly string[]; base: string; isDaemonChild: boolean },
): {
  argv: readonly string[];
  foreground: boolean;
  isDaemonChild: boolean;
  logConfigPath?: string;
  pidfile: string;
  pidfileInForeground: boolean;
} {
  const logConfigPath = resolveFrom(options.base, flags.logconfig);
  return {
    argv: options.argv,
    foreground: flags.nodaemon === true,
    isDaemonChild: options.isDaemonChild,
    ...(logConfigPath !== undefined ? { logConfigPath } : {}),
    pidfile: resolveFrom(options.base, flags.pidfile),
    pidfileInForeground: isExplicit(program, 'pidfile'),
  };
}
