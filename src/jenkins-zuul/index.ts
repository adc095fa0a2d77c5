/**
 * The Jenkins/Zuul integration of nodepoold (docs/behaviour.md#jenkins,
 * docs/behaviour.md#gearman-and-zuul): a `LauncherIntegration` beside `snapshot/`'s. One
 * Jenkins manager per target, the ZeroMQ listeners and the Gearman client following each
 * configuration, build events applied to nodes, and the launcher's Jenkins/Gearman hooks.
 * `cmd/` composes it into nodepoold (and builds its `JenkinsTargets` for `delete --now`).
 */
export { JenkinsZuulIntegration } from './jenkins-zuul.js';
export type { JenkinsZuulOptions, JenkinsZuulStatus, ZmqPublisherStatus } from './jenkins-zuul.js';
export type { GearmanLinkStatus } from './gearman-link.js';
export { JenkinsTargets, hasJenkins } from './jenkins-targets.js';
export type {
  JenkinsConnector,
  JenkinsTarget,
  JenkinsTargetsOptions,
  TargetOnlineStatus,
  TargetWithJenkins,
} from './jenkins-targets.js';
export { FakeJenkinsTarget, connectFakeJenkins } from './fake-jenkins.js';
export { autoHoldComment } from './job-events.js';
