/**
 * Public surface of the SSH area: reaching nodes (docs/behaviour.md#reaching-the-node-over-ssh), the `/etc/nodepool` files (docs/behaviour.md#files-on-the-node),
 * the ready script (docs/behaviour.md#ready-script), the `check` cron probe (docs/behaviour.md#check) and 0.3-era template servers.
 */
export { SshConnection } from './connection.js';
export type { SshConnectionOptions } from './connection.js';
export { connectSsh, waitForSsh, checkNode } from './wait.js';
export type { WaitForSshOptions, NodeCheckResult, ConnectFn } from './wait.js';
export type {
  SshSession,
  ExecOptions,
  ExecResult,
  WriteFileOptions,
  MkdirOptions,
  UploadOptions,
} from './session.js';
export { FakeSshSession, FAKE_HOST_KEY } from './fake.js';
export { directSsh, fakeSsh } from './connector.js';
export { LoginSlots } from './login-slots.js';
export type { SshConnector } from './connector.js';
export { bareHost, formatHostPort, describeHostKey, loadPrivateKey } from './host.js';
export type { SshHostKey, PrivateKeySource } from './host.js';
export {
  NODEPOOL_DIR,
  generateNodeSetKey,
  buildNodepoolFiles,
  writeNodepoolFiles,
} from './node-files.js';
export type {
  NodeSetKey,
  NodeSetKeyType,
  NodeAddress,
  NodepoolFilesInput,
  NodepoolFile,
  WriteNodepoolFilesOptions,
} from './node-files.js';
export { SCRIPTS_DIR, buildReadyScriptCommand, runReadyScript } from './ready-script.js';
export type { ReadyScriptCommandOptions, RunReadyScriptOptions } from './ready-script.js';
export { bootstrapTemplateServer } from './template-server.js';
export type { BootstrapTemplateOptions } from './template-server.js';
export { shellQuote, nodepoolEnvAssignments } from './shell.js';
export {
  SshConnectError,
  sshTimeoutError,
  HostKeyMismatchError,
  SshAccessError,
  SshCommandError,
  sshCommandTimeoutError,
  sftpError,
  SshKeyError,
  nodepoolDirMissingError,
  readyScriptError,
  setupScriptError,
} from './errors.js';
export type { SshFailureKind } from './errors.js';
export { generateEd25519KeyPair } from './openssh-key.js';
export type { OpenSshKeyPair } from './openssh-key.js';
