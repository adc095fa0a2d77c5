/**
 * Compatibility with what upstream's Python wrote and read. One sub-area so far,
 * `python/` (json.dumps, str.format, str(), ConfigParser); other areas import it from here.
 */
export * from './python/index.js';
