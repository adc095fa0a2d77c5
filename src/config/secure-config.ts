/**
 * Reads secure.conf into the settings nodepool takes from it: `[database] dburi` and the
 * `[jenkins "<target>"]` sections of configured targets.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';
import type { ConfigProblem } from './errors.js';
import type { RawConfig } from './schema.js';
import { ConfigParser, IniError } from '../compat/index.js';
import type { SecureConfig } from './secure.js';

type Jenkins = { url?: string; user?: string; apikey?: string; credentials?: string };

/**
 * Reads and parses secure.conf. Sections for unknown targets are ignored, as upstream.
 * A missing `dburi` is not an error here: only the areas that need the database ask for it.
 * @throws ConfigError naming the file and line of every problem.
 */
export async function readSecureConfig(
  path: string,
  raw: Pick<RawConfig, 'targets'>,
): Promise<SecureConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : String(err);
    throw new ConfigError(
      path,
      [{ file: path, path: [], message: `Cannot read the secure file: ${reason}` }],
      { cause: err },
    );
  }
  const problems: ConfigProblem[] = [];
  const problem = (err: unknown, section: string): void => {
    if (!(err instanceof IniError)) throw err;
    problems.push({
      file: path,
      path: err.option ? [section, err.option] : [],
      message: err.message,
      line: err.line,
    });
  };
  let ini: ConfigParser;
  try {
    ini = ConfigParser.parse(text);
  } catch (err) {
    problem(err, '');
    throw new ConfigError(path, problems, { cause: err });
  }
  const read = (section: string, option: string): string | undefined => {
    try {
      return ini.get(section, option);
    } catch (err) {
      problem(err, section);
      return undefined;
    }
  };
  const dburi = read('database', 'dburi');
  const jenkins = new Map<string, Jenkins>();
  for (const target of raw.targets) {
    const section = `jenkins "${target.name}"`;
    if (!ini.hasSection(section)) continue;
    const entry: Jenkins = {};
    for (const key of ['url', 'user', 'apikey'] as const) {
      const value = read(section, key);
      // Compat: upstream requires all three once the section exists (NoOptionError otherwise).
      if (value === undefined)
        problems.push({ file: path, path: [section], message: `missing required option "${key}"` });
      else entry[key] = value;
    }
    const credentials = read(section, 'credentials');
    if (credentials !== undefined) entry.credentials = credentials;
    jenkins.set(target.name, entry);
  }
  if (problems.length > 0) throw new ConfigError(path, problems);
  return { ...(dburi !== undefined ? { dburi } : {}), jenkins };
}
