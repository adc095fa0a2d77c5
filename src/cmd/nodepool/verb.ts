import type { Logger } from 'pino';
import type { CompiledConfig } from '../../config/index.js';
import type { SshSeam } from '../../launcher/index.js';

/** What every CLI verb gets: the global options and lazy access to the configuration. */
export interface CliContext {
  /** `-c`, default `/etc/nodepool/nodepool.yaml`. */
  readonly configPath: string;
  /** `-s`, default `/etc/nodepool/secure.conf`. */
  readonly securePath: string;
  readonly debug: boolean;
  /** `--json` was given: print JSON instead of tables. */
  readonly json: boolean;
  readonly log: Logger;
  /** Writes to stdout (tables, results). */
  out(text: string): void;
  /** Loads nodepool.yaml + secure.conf + clouds.yaml once; throws ConfigError. */
  config(): Promise<CompiledConfig>;
  /** How nodes are reached over SSH (`image-update`); unset: the shipped seam. */
  readonly ssh?: SshSeam;
  /** Registers a cleanup to run before the process exits (close pools, ZK sessions). */
  onClose(fn: () => Promise<void>): void;
}

/** One positional argument of a verb. */
export interface VerbArgument {
  readonly name: string;
  readonly description: string;
  /** @default true */
  readonly required?: boolean;
}

/** One option of a verb, in commander's flag syntax (`--reason <text>`). */
export interface VerbOption {
  readonly flags: string;
  readonly description: string;
  readonly required?: boolean;
  readonly defaultValue?: string | boolean;
}

/** The parsed options of a verb, by commander's camelCase name. */
export type VerbOptions = Readonly<Record<string, unknown>>;

/** Runs a verb with its positional arguments and options. */
export type VerbRun = (
  ctx: CliContext,
  args: readonly string[],
  opts: VerbOptions,
) => Promise<void>;

/** What `--help` and the argument parser need to know of a verb: cheap, no imports. */
export interface VerbSpec {
  readonly name: string;
  readonly description: string;
  readonly arguments?: readonly VerbArgument[];
  readonly options?: readonly VerbOption[];
  /** Adds the global `--json` switch to this verb. */
  readonly hasJson?: boolean;
}

/** A verb's implementation module (`src/cmd/nodepool/<verb>.ts`) exports its `run`. */
export interface VerbModule {
  readonly run: VerbRun;
}

/**
 * A `nodepool` subcommand as `index.ts` lists it: its spec, and `load()`, which imports the
 * implementation only when the verb runs. The CLI thus loads the database, ZooKeeper, cloud
 * and launcher code only for the verb that needs it, not on every invocation.
 */
export interface VerbEntry extends VerbSpec {
  load(): Promise<VerbModule>;
}
