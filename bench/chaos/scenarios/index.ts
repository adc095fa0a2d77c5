/** Every chaos scenario, in the order `npm run chaos` runs them. */
import type { Scenario } from '../lib/scenario.js';
import { apiFailures } from './api-failures.js';
import { fuzzScenario } from './fuzz.js';
import { gearmandRestart, zmqDisconnect } from './integrations.js';
import { killBuilder } from './kill-builder.js';
import { killNodepoold } from './kill-nodepoold.js';
import { launcherCluster } from './launcher-cluster.js';
import { quotaFlap } from './quota-flap.js';
import { scheduleQuota } from './schedule-quota.js';
import { scheduleSwitch } from './schedule-switch.js';
import { sqlRestart } from './sql-restart.js';
import { zookeeperRestart } from './zookeeper-restart.js';

/** All scenarios. */
export const SCENARIOS: readonly Scenario[] = [
  killNodepoold,
  killBuilder,
  apiFailures,
  quotaFlap,
  zookeeperRestart,
  sqlRestart,
  zmqDisconnect,
  gearmandRestart,
  scheduleSwitch,
  scheduleQuota,
  launcherCluster,
  fuzzScenario,
];
