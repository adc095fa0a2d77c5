/**
 * Public surface of the status web app of nodepoold: the app (a Service), the read-only
 * data interface it shows and a ready-made implementation over the daemon's config,
 * ZooKeeper session and database.
 */
export {
  WebApp,
  createWebApp,
  parseListenAddress,
  DEFAULT_WEB_HOST,
  DEFAULT_WEB_PORT,
} from './web-app.js';
export type { WebAppOptions } from './web-app.js';
export { StatusUnavailableError, createStatusSource } from './status-source.js';
export type {
  ProviderInfo,
  StatusCallOptions,
  StatusSource,
  StatusSourceDeps,
} from './status-source.js';
export { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
export { ENDPOINTS } from './endpoints.js';
export { HEALTH_PATHS, createHealthSource, runHealthProbes } from './health.js';
export type {
  HealthCheck,
  HealthProbe,
  HealthProbes,
  HealthReport,
  HealthSource,
  HealthSourceOptions,
} from './health.js';
export { HealthApp } from './health-app.js';
export type { HealthAppOptions } from './health-app.js';
