/**
 * The `-l` logging.conf as `logging.config.fileConfig` reads it: the one Python `ConfigParser`
 * reader of `compat/python`, strict about repeated sections and keys, with its errors turned
 * into {@link logConfigError} errors naming the file.
 */
import { ConfigParser, IniError } from '../compat/index.js';
import { logConfigError } from './errors.js';

/** A parsed logging.conf: sections in file order, keys lower-cased. */
export class IniFile {
  constructor(
    readonly file: string,
    private readonly ini: ConfigParser,
  ) {}

  /** Whether a section exists. */
  has(section: string): boolean {
    return this.ini.hasSection(section);
  }

  /** Keys written in a section (not the inherited defaults). */
  keys(section: string): string[] {
    return this.ini.options(section);
  }

  /** Line of a key, or of nothing when unknown. */
  line(section: string, key: string): number | undefined {
    return this.ini.lineOf(section, key);
  }

  /**
   * A value with interpolation applied (`raw` skips it, as fileConfig does for `format`).
   * @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) when `%(name)s` names a missing key
   */
  get(section: string, key: string, options: { raw?: boolean } = {}): string | undefined {
    try {
      return this.ini.get(section, key, options);
    } catch (err) {
      throw located(err, this.file);
    }
  }
}

function located(err: unknown, file: string): unknown {
  if (!(err instanceof IniError)) return err;
  return logConfigError(
    file,
    err.message,
    {
      ...(err.section !== undefined ? { section: err.section } : {}),
      ...(err.option !== undefined ? { key: err.option } : {}),
      line: err.line,
    },
    { cause: err },
  );
}

/**
 * Parses INI text.
 * @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) on a line that is neither a header, a key, a comment nor a continuation,
 *   and on repeated sections or keys
 */
export function parseIni(text: string, file: string): IniFile {
  try {
    return new IniFile(file, ConfigParser.parse(text, { strict: true }));
  } catch (err) {
    throw located(err, file);
  }
}
