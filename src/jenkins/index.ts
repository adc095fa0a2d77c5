/**
 * Public surface of the Jenkins area: build events over ZeroMQ, the REST client and the
 * per-target rate-limited manager.
 */
export { JenkinsEventListener } from './event-listener.js';
export type {
  JenkinsEventCounters,
  JenkinsEventHandler,
  JenkinsEventListenerOptions,
  PublisherState,
} from './event-listener.js';
export {
  JENKINS_TOPICS,
  jenkinsEventError,
  formatJenkinsEvent,
  parseJenkinsEvent,
} from './event.js';
export type { EventErrorLocation, JenkinsEvent, JenkinsEventParse, JenkinsTopic } from './event.js';
export { JenkinsClient } from './rest-client.js';
export type { JenkinsCallOptions, JenkinsClientOptions } from './rest-client.js';
export { JenkinsManager, relabelConfig } from './jenkins-manager.js';
export type { JenkinsManagerOptions } from './jenkins-manager.js';
export {
  NODE_TYPE,
  SSH_LAUNCHER,
  createNodeJson,
  createNodeQuery,
  nodeDescription,
} from './node-spec.js';
export type { CreateNodeSpec } from './node-spec.js';
export { jobPath, pyQuote, pyUrlencode } from './url.js';
export * from './errors.js';
