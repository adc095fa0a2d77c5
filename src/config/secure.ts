/**
 * secure.conf: an INI file read with Python 2 `ConfigParser` semantics (see
 * `compat/python`), so that an operator's existing file reads the same.
 */

/** The settings nodepool takes from secure.conf. */
export interface SecureConfig {
  readonly dburi?: string;
  /** `[jenkins "<target>"]` sections, by target name. */
  readonly jenkins: ReadonlyMap<
    string,
    { url?: string; user?: string; apikey?: string; credentials?: string }
  >;
}
