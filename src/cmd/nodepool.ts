/**
 * Entry point of the `nodepool` operator CLI. Start-up stays cheap: the verb's module
 * (`VerbEntry.load`), logging, the config loader and the error renderer are imported only
 * when needed, so `--help` loads commander and little else and each verb only what it uses.
 */
import { Command, CommanderError } from 'commander';
import type { CompiledConfig } from '../config/index.js';
import { VERBS } from './nodepool/index.js';
import type { CliContext, VerbEntry } from './nodepool/index.js';
import { argparseHelp } from './argparse-help.js';
import { VERSION } from './version.js';

interface GlobalOptions {
  config: string;
  secure: string;
  logconfig?: string;
  debug?: boolean;
}

async function makeContext(
  global: GlobalOptions,
  json: boolean,
  closers: Array<() => Promise<void>>,
  composition: NodepoolComposition,
): Promise<CliContext> {
  const { getLogger, setupLogging } = await import('../log/index.js');
  // Upstream: `--debug` wins over `-l`. Without either, warnings and errors only (upstream
  // printed INFO, which is chatter at a terminal), as text lines unless NODEPOOL_LOG_FORMAT.
  const formatOverride = process.env['NODEPOOL_LOG_FORMAT'];
  const logging = setupLogging({
    ...(global.debug === true || global.logconfig === undefined
      ? { defaultLevel: global.debug === true ? 'debug' : 'warn', defaultFormat: 'text' }
      : { configPath: global.logconfig }),
    ...(formatOverride !== undefined ? { formatOverride } : {}),
  });
  closers.push(() => Promise.resolve(logging.close()));
  // Upstream's module logger, so a `qualname=nodepool` handler of `-l` catches CLI records.
  const log = getLogger(logging.root, 'nodepool.cmd.nodepoolcmd');
  let cached: Promise<CompiledConfig> | null = null;
  return {
    configPath: global.config,
    securePath: global.secure,
    debug: global.debug === true,
    json,
    log,
    ...(composition.ssh !== undefined ? { ssh: composition.ssh } : {}),
    out: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    },
    config: () =>
      (cached ??= import('../config/index.js').then(({ loadConfig }) =>
        loadConfig(global.config, { securePath: global.secure }),
      )),
    onClose: (fn) => {
      closers.push(fn);
    },
  };
}

/** Prints `err` for the terminal; resolves to its exit status (see `exit.ts`). */
async function printError(err: unknown, debug: boolean): Promise<number> {
  const { exitCodeFor, renderError } = await import('./exit.js');
  process.stderr.write(renderError(err, debug) + '\n');
  return exitCodeFor(err);
}

function addVerb(
  program: Command,
  verb: VerbEntry,
  run: (verb: VerbEntry, args: string[], opts: Record<string, unknown>) => Promise<void>,
): void {
  const cmd = program.command(verb.name).description(verb.description);
  for (const a of verb.arguments ?? []) {
    cmd.argument(a.required === false ? `[${a.name}]` : `<${a.name}>`, a.description);
  }
  for (const o of verb.options ?? []) {
    if (o.required === true) cmd.requiredOption(o.flags, o.description, o.defaultValue);
    else cmd.option(o.flags, o.description, o.defaultValue);
  }
  if (verb.hasJson === true) cmd.option('--json', 'print JSON instead of a table');
  cmd.action(async (...params: unknown[]) => {
    // commander passes the declared arguments, then the options object, then the command.
    const nArgs = verb.arguments?.length ?? 0;
    const args = params.slice(0, nArgs).filter((v): v is string => typeof v === 'string');
    const opts = (params[nArgs] ?? {}) as Record<string, unknown>;
    await run(verb, args, opts);
  });
}

/** What a harness (tests) may compose differently from the shipped CLI. */
export interface NodepoolComposition {
  /** How nodes are reached over SSH (`image-update`). @default real SSH (see ssh-seam.ts) */
  ssh?: CliContext['ssh'];
}

/** Upstream 0.4.0's order of the verbs in `--help`; the port's extra verbs follow. */
const UPSTREAM_ORDER = [
  'list',
  'image-list',
  'dib-image-list',
  'image-build',
  'alien-list',
  'alien-image-list',
  'hold',
  'delete',
  'image-delete',
  'dib-image-delete',
  'config-validate',
  'job-list',
  'job-create',
  'job-delete',
];

function inHelpOrder(verbs: readonly VerbEntry[]): VerbEntry[] {
  const rank = (v: VerbEntry): number => {
    const i = UPSTREAM_ORDER.indexOf(v.name);
    return i < 0 ? UPSTREAM_ORDER.length : i;
  };
  return [...verbs].sort((a, b) => rank(a) - rank(b));
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit status. */
export async function main(
  argv: readonly string[],
  composition: NodepoolComposition = {},
): Promise<number> {
  const program = new Command('nodepool');
  program
    .description('Node pool.')
    .helpOption('-h, --help', 'show this help message and exit')
    .configureHelp({ formatHelp: (cmd) => argparseHelp(cmd) })
    .option('-c, --config <path>', 'path to config file', '/etc/nodepool/nodepool.yaml')
    .option('-s, --secure <path>', 'path to secure file', '/etc/nodepool/secure.conf')
    .option('-l, --logconfig <path>', 'path to log config file')
    .version(`Nodepool version: ${VERSION}`, '--version', 'show version')
    .option('--debug', 'show DEBUG level logging')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    });

  const closers: Array<() => Promise<void>> = [];
  let status = 0;
  for (const verb of inHelpOrder(VERBS)) {
    addVerb(program, verb, async (v, args, opts) => {
      const global = program.opts<GlobalOptions>();
      try {
        const ctx = await makeContext(global, opts.json === true, closers, composition);
        const verb = await v.load();
        await verb.run(ctx, args, opts);
      } catch (err) {
        status = await printError(err, global.debug === true);
      }
    });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors with 1 → report 2 as argparse.
      status = err.exitCode === 0 ? 0 : 2;
    } else {
      await printError(err, false);
      status = 1;
    }
  } finally {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        await printError(err, false);
      }
    }
  }
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  return status;
}
