/**
 * Loading nodepool.yaml (+ secure.conf + clouds.yaml) into a CompiledConfig, and the
 * strict check behind `nodepool config-validate`. Every problem is reported at once.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { delay } from '../util/index.js';
import { CloudResolveError, readCloudsFile, resolveCloud } from './clouds.js';
import type { CloudsFile } from './clouds.js';
import { compileConfig } from './compile.js';
import { crossReferenceFindings } from './crossref.js';
import type { PartialConfig } from './crossref.js';
import { policyFindings } from './policy-checks.js';
import { ConfigError } from './errors.js';
import type { ConfigProblem } from './errors.js';
import { TOP_LEVEL } from './schema.js';
import type { RawConfig } from './schema.js';
import { dropSatisfiedFindings, readSecureOrYamlDburi } from './old-forms.js';
import type { CompiledCloud, CompiledConfig, ConfigWarning } from './types.js';
import { nodeAt, validateDocument } from './validate.js';
import type { Finding } from './validate.js';
import { YamlSyntaxError, parseYaml11 } from './yaml11.js';
import type { RawNode } from './yaml11.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Path of secure.conf; when absent no secure file is read. */
  securePath?: string;
  /** Environment for OS_CLIENT_CONFIG_FILE, HOME and OS_* lookups. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Directory searched first for clouds.yaml. @default process.cwd() */
  cwd?: string;
  /** Retry a missing nodepool.yaml (3 tries, 0.5 s apart), as the daemons do. @default true */
  retryMissing?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link validateConfig}. */
export interface ValidateConfigOptions {
  signal?: AbortSignal;
}

const MISSING_TRIES = 3;
const MISSING_PAUSE_MS = 500;

function fileProblem(file: string, err: unknown): ConfigProblem {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'the file does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : err instanceof Error
            ? err.message
            : String(err);
  return { file, path: [], message: `Cannot read the file: ${reason}` };
}

async function readText(
  file: string,
  retryMissing: boolean,
  signal?: AbortSignal,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      // An editor may be replacing the file; upstream tries 3 times, 0.5 s apart.
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing || !retryMissing || attempt >= MISSING_TRIES) {
        throw new ConfigError(file, [fileProblem(file, err)], { cause: err });
      }
      await delay(MISSING_PAUSE_MS, signal === undefined ? {} : { signal });
    }
  }
}

function parse(file: string, text: string): RawNode | null {
  try {
    return parseYaml11(text);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new ConfigError(
      file,
      [{ file, path: [], message: `YAML syntax error: ${err.message}`, ...locate(err.pos) }],
      { cause: err },
    );
  }
}

function locate(pos: { line: number; column: number }): { line: number; column: number } {
  return { line: pos.line, column: pos.column };
}

function toProblem(file: string, f: Finding): ConfigProblem {
  return { file, path: f.path, message: f.message, ...locate(f.pos) };
}

interface Checked {
  readonly root: RawNode;
  readonly raw: RawConfig;
  readonly warnings: ConfigWarning[];
}

/** Parses and validates; `strict` makes the upstream-validator-only findings errors. */
function check(file: string, text: string, strict: boolean): Checked {
  const root = parse(file, text);
  const validated = validateDocument(root, TOP_LEVEL);
  const { value } = validated;
  const findings = dropSatisfiedFindings(validated.findings, value);
  if (root !== null && value !== undefined) {
    findings.push(...crossReferenceFindings(value as PartialConfig, root));
    findings.push(...policyFindings(value as PartialConfig, root));
  }
  const isError = (f: Finding): boolean => f.level === 'error' || (strict && f.level === 'strict');
  const errors = findings.filter(isError);
  if (errors.length > 0 || root === null)
    throw new ConfigError(
      file,
      errors.map((f) => toProblem(file, f)),
    );
  const warnings = findings.filter((f) => !isError(f)).map((f) => toProblem(file, f));
  return { root, raw: value as RawConfig, warnings };
}

/**
 * The check behind `nodepool config-validate`: reads nodepool.yaml once (no retry) and
 * applies upstream's validator rules plus the port's stricter checks. No secure.conf,
 * clouds.yaml, database or ZooKeeper is needed.
 * @returns the warnings (accepted problems) found.
 * @throws ConfigError listing every problem.
 */
export async function validateConfig(
  configPath: string,
  options: ValidateConfigOptions = {},
): Promise<readonly ConfigWarning[]> {
  const text = await readText(configPath, false, options.signal);
  return check(configPath, text, true).warnings;
}

function resolveClouds(
  file: string,
  raw: RawConfig,
  root: RawNode,
  env: NodeJS.ProcessEnv,
  cwd: string,
): CompiledCloud[] {
  const problems: ConfigProblem[] = [];
  let clouds: CloudsFile | undefined;
  const needsFile = raw.providers.some((p) => p['auth-url'] !== 'fake' || p.cloud !== undefined);
  try {
    clouds = needsFile ? readCloudsFile(env, cwd) : { searched: [], clouds: {} };
  } catch (err) {
    if (!(err instanceof CloudResolveError)) throw err;
    throw new ConfigError(file, [{ file, path: ['providers'], message: err.message }], {
      cause: err,
    });
  }
  const out = raw.providers.map((p, i) => {
    try {
      return resolveCloud(p, { file: clouds, env });
    } catch (err) {
      if (!(err instanceof CloudResolveError)) throw err;
      const path = ['providers', i, p.cloud !== undefined ? 'cloud' : 'region-name'];
      problems.push({ file, path, message: err.message, ...locate(nodeAt(root, path).pos) });
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return out.filter((c): c is CompiledCloud => c !== undefined);
}

/**
 * Loads nodepool.yaml, secure.conf and clouds.yaml into one compiled, deep-frozen config.
 * Problems only upstream's validator rejects (unknown keys, `rate: 1`) are tolerated and
 * listed in `warnings`, as upstream's loader tolerates them.
 * @throws ConfigError listing every problem found.
 */
export async function loadConfig(
  configPath: string,
  options: LoadConfigOptions = {},
): Promise<CompiledConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const text = await readText(configPath, options.retryMissing ?? true, options.signal);
  const { root, raw, warnings } = check(configPath, text, false);
  const secure =
    options.securePath === undefined
      ? undefined
      : await readSecureOrYamlDburi(options.securePath, raw, warnings);
  const clouds = resolveClouds(configPath, raw, root, env, cwd);
  return compileConfig({
    configPath: resolve(cwd, configPath),
    raw,
    clouds,
    ...(secure ? { secure } : {}),
    warnings,
  });
}
