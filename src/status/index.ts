/**
 * Public surface of the status area: the text tables and JSON rows that the CLI verbs and
 * the status web app both print (so they are byte-identical), the node history behind the
 * status page's chart and the launch/delete counters behind `/metrics`.
 */
export { formatAge, formatTable } from './format.js';
export type { Cell } from './format.js';
export {
  DIB_IMAGE_LIST_HEADERS,
  IMAGE_LIST_HEADERS,
  SNAPSHOT_BUILD_ID,
  collectBuilds,
  collectUploads,
  dibImageListJson,
  dibImageListTable,
  imageListJson,
  imageListTable,
  snapshotImageListJson,
} from './image-tables.js';
export {
  LABEL_LIST_HEADERS,
  NODE_LIST_HEADERS,
  PROVIDER_LIST_HEADERS,
  countByState,
  stateCountsOf,
  emptyStateCounts,
  labelListTable,
  nodeJson,
  nodeListTable,
  providerListTable,
  summariseLabels,
  summariseProviders,
} from './node-tables.js';
export type {
  LabelInfo,
  LabelSummary,
  ProviderLimit,
  ProviderSummary,
  StateCounts,
} from './node-tables.js';
export { LAUNCHER_LIST_HEADERS, launcherListJson, launcherListTable } from './launcher-tables.js';
export { NodeHistory } from './node-history.js';
export type { NodeHistoryOptions, NodeSample } from './node-history.js';
export { ActivityCounters } from './activity-counters.js';
export type { CounterEntry, DeleteCount, LaunchCount } from './activity-counters.js';
export { PolicyStatus } from './policy-status.js';
export type { PolicyAlarms, StuckLabel } from './policy-status.js';
