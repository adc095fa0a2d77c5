/**
 * Output formatting of the `nodepool` CLI. The table renderer lives in `src/status/` so that
 * the status web app prints byte-identical tables; this module re-exports it for the verbs.
 */
export { formatAge, formatTable } from '../../status/index.js';
export type { Cell } from '../../status/index.js';
