/**
 * Every `code` a {@link NodepoolError} can carry, with what it means and the exit status a
 * command ends with when the error reaches it. `docs/errors.md` is generated from this table
 * (`npm run docs:errors`); a test fails when the table, the source or the doc disagree.
 */

/** What one code means. */
export interface ErrorCodeInfo {
  /** One sentence for operators. */
  readonly meaning: string;
  /** Exit status of a command that stops on this error. */
  readonly exit: 1 | 2;
  /** The area whose source throws it. */
  readonly area: string;
}

function code(area: string, meaning: string, exit: 1 | 2 = 1): ErrorCodeInfo {
  return { area, meaning, exit };
}

/** The table, grouped by area; codes are stable, messages are not. */
export const ERROR_CODES = {
  ERR_USAGE: code('cmd', 'A command-line argument is missing, malformed or not allowed.', 2),
  ERR_NOT_FOUND: code('cmd', 'The node, image, build or job the command names does not exist.'),
  ERR_ILLEGAL_STATE: code(
    'util',
    'An operation was asked of a service in a state that does not allow it (e.g. reading the port of a stopped server).',
  ),
  ERR_SHUTDOWN_TIMEOUT: code(
    'cmd',
    'The graceful stop took longer than allowed, or a second signal arrived.',
  ),
  ERR_PIDFILE: code('cmd', 'The pid file cannot be written, read or removed.'),
  ERR_PIDFILE_LOCKED: code('cmd', 'Another live process holds the pid file.'),

  ERR_CONFIG_INVALID: code(
    'config',
    'nodepool.yaml, secure.conf, clouds.yaml or the logging config cannot be read or is invalid; every problem is listed with its file and line.',
    2,
  ),
  ERR_INI_SYNTAX: code(
    'compat',
    'An INI file (secure.conf, logging.conf) has a line that does not parse or a `%(name)s` reference that cannot be resolved.',
  ),
  ERR_FORMAT_SYNTAX: code(
    'compat',
    'A `str.format` template has an unmatched `{` or a single `}`.',
  ),

  ERR_DATABASE: code('db', 'A database operation failed (connection, SQL, schema creation).'),
  ERR_DBURI_INVALID: code(
    'db',
    'The `dburi` cannot be understood or names an unsupported database.',
  ),
  ERR_DB_UNREACHABLE: code(
    'cmd',
    'At start-up the database server could not be reached (refused, reset, DNS, timeout).',
  ),
  ERR_DB_REFUSED: code(
    'cmd',
    'At start-up the database server refused the user, password or database name of `dburi`.',
    2,
  ),

  ERR_ZOOKEEPER: code(
    'zk',
    'A ZooKeeper operation failed for a reason without a more specific code.',
  ),
  ERR_ZK_NO_NODE: code('zk', 'The znode does not exist.'),
  ERR_ZK_NODE_EXISTS: code('zk', 'The znode to create already exists.'),
  ERR_ZK_BAD_VERSION: code('zk', 'The znode changed since it was read (version mismatch).'),
  ERR_ZK_NOT_EMPTY: code('zk', 'The znode to delete still has children.'),
  ERR_ZK_CONNECTION_LOSS: code(
    'zk',
    'The connection to ZooKeeper was lost during the operation; its outcome is unknown.',
  ),
  ERR_ZK_SESSION_EXPIRED: code(
    'zk',
    'The ZooKeeper session expired; ephemeral nodes and locks are gone.',
  ),
  ERR_ZK_CONNECT_TIMEOUT: code(
    'zk',
    'No ZooKeeper server could be reached within the connect timeout.',
  ),
  ERR_ZK_UNREACHABLE: code(
    'cmd',
    'At start-up no ZooKeeper server of `zookeeper-servers` gave a session.',
  ),
  ERR_ZK_LOCK_BUSY: code('zk', 'A lock is held by someone else and the caller asked not to wait.'),
  ERR_ZK_LOCK_TIMEOUT: code('zk', 'A lock was not acquired within the timeout.'),
  ERR_ZK_LOCK_LOST: code('zk', 'A held lock was lost (session expired or lock node deleted).'),
  ERR_ZK_NO_BUILD: code('zk', 'The image build named does not exist in ZooKeeper.'),
  ERR_ZK_RECORD_INVALID: code(
    'zk',
    'A build or upload record in ZooKeeper is not the JSON object nodepool writes.',
  ),

  ERR_PROVIDER: code('provider', 'A cloud call failed for a reason without a more specific code.'),
  ERR_PROVIDER_QUOTA: code(
    'provider',
    'The cloud refused for quota, or the request would exceed its absolute limits.',
  ),
  ERR_PROVIDER_NOT_FOUND: code('provider', 'The cloud resource does not exist (HTTP 404).'),
  ERR_PROVIDER_CONFLICT: code(
    'provider',
    "The request conflicts with the resource's state (HTTP 409).",
  ),
  ERR_PROVIDER_UNAUTHORIZED: code(
    'provider',
    'The cloud refused the credentials, even after re-authenticating.',
  ),
  ERR_PROVIDER_SERVER: code('provider', 'The cloud failed (HTTP 5xx).'),
  ERR_PROVIDER_TIMEOUT: code(
    'provider',
    'A cloud call took longer than `api-timeout`, or a server did not reach the awaited state in time.',
  ),
  ERR_PROVIDER_CONNECTION: code(
    'provider',
    'The cloud could not be reached (refused, reset, DNS).',
  ),
  ERR_PROVIDER_SERVER_FAILED: code(
    'provider',
    'A server went to ERROR (or another end state) while nodepool waited for ACTIVE.',
  ),
  ERR_PROVIDER_UNAVAILABLE: code(
    'cmd',
    'A CLI verb could not start or list one or more of the providers it was asked about (the others are still printed).',
  ),
  ERR_PROVIDER_STOPPED: code(
    'provider',
    'The provider was stopped (reconfiguration, shutdown) before the call could run.',
  ),
  ERR_PROVIDER_IDENTITY_VERSION: code(
    'provider',
    'No identity API version fits the clouds.yaml settings (domain keys with a v2.0-only URL), or version discovery on an unversioned auth URL failed.',
  ),
  ERR_PROVIDER_UNSCOPED_TOKEN: code(
    'provider',
    'Keystone returned a token without a service catalog: the clouds.yaml entry names no project.',
  ),
  ERR_PROVIDER_NO_ENDPOINT: code(
    'provider',
    'The Keystone catalog has no endpoint for a service nodepool needs.',
  ),
  ERR_PROVIDER_NO_FLAVOR: code(
    'provider',
    "No flavor matches the label's `min-ram` (and `name-filter`).",
  ),
  ERR_PROVIDER_NO_NETWORK: code(
    'provider',
    'A network named in the provider does not exist in the cloud.',
  ),
  ERR_PROVIDER_TLS_FILE: code(
    'provider',
    'A CA, certificate or key file named in clouds.yaml cannot be read.',
  ),
  ERR_PROVIDER_UPLOAD_FILE: code('provider', 'The image file to upload cannot be read.'),

  ERR_LAUNCH: code('launcher', 'A launch step failed for a reason nodepool itself detected.'),
  ERR_LAUNCH_NO_IMAGE: code('launcher', 'No ready image exists for the label in the provider.'),
  ERR_LAUNCH_NO_UPLOAD: code(
    'launcher',
    'No ready upload of the diskimage exists in the provider.',
  ),
  ERR_LAUNCH_NO_IP: code('launcher', 'The server became ACTIVE without a usable address.'),
  ERR_LAUNCH_NO_PROVIDER: code(
    'launcher',
    'The provider was removed from the configuration while the node was launching.',
  ),
  ERR_LAUNCH_DELETED: code('launcher', 'The node was deleted while it was building.'),
  ERR_DELETE: code(
    'launcher',
    'A node could not be deleted yet; it stays in state `delete` for the next cleanup.',
  ),
  ERR_DELETE_NO_PROVIDER: code(
    'launcher',
    "The node's provider is no longer configured, so its server cannot be deleted.",
  ),

  ERR_LAUNCHER_NAME_TAKEN: code(
    'cluster',
    'Another live launcher of the ZooKeeper cluster is registered under the same `--launcher-name`.',
  ),
  ERR_LAUNCHER_FENCED: code(
    'cluster',
    'The launcher lost its ZooKeeper session, or went too long without hearing from ZooKeeper, and stopped its cloud work (the reason of the aborted fence signal).',
  ),

  ERR_SSH_CONNECT: code('ssh', 'An SSH connection to a node could not be made.'),
  ERR_SSH_AUTH: code('ssh', 'The node refused SSH authentication.'),
  ERR_SSH_TIMEOUT: code('ssh', 'The node did not accept SSH within the boot timeout.'),
  ERR_SSH_HOST_KEY: code('ssh', 'The host key changed between scan and connection.'),
  ERR_SSH_ACCESS: code(
    'ssh',
    'Nodepool could not log in to the node as any of the configured users.',
  ),
  ERR_SSH_COMMAND: code('ssh', 'A command run over SSH exited non-zero.'),
  ERR_SSH_COMMAND_TIMEOUT: code('ssh', 'A command run over SSH took longer than allowed.'),
  ERR_SSH_SFTP: code('ssh', 'Copying files to the node over SFTP failed.'),
  ERR_SSH_KEY: code('ssh', 'The private key file named by `private-key` cannot be read.'),
  ERR_NODEPOOL_DIR_MISSING: code('ssh', 'The scripts directory to copy to a node does not exist.'),
  ERR_READY_SCRIPT: code('ssh', "The label's `ready-script` exited non-zero on a node."),
  ERR_SETUP_SCRIPT: code(
    'ssh',
    "A snapshot image's `setup` script exited non-zero on the template server.",
  ),

  ERR_BUILDER: code(
    'builder',
    'A diskimage build could not be run (e.g. disk-image-create cannot be executed).',
  ),
  ERR_BUILDER_INVALID_COMMAND: code(
    'builder',
    "An upload cannot be attempted, e.g. no local file of the provider's image type.",
  ),
  ERR_BUILDER_CONFIG: code(
    'builder',
    'The builder cannot run with this configuration (no ZooKeeper, no images-dir).',
  ),
  ERR_BUILDER_IMAGE_NAME: code(
    'builder',
    "The provider's `template-hostname` cannot be formatted into an image name.",
  ),

  ERR_SNAPSHOT_CONFIG: code(
    'snapshot',
    'A snapshot image cannot be built with this configuration.',
  ),
  ERR_SNAPSHOT_IMAGE: code('snapshot', 'Building, uploading or deleting a snapshot image failed.'),

  ERR_JENKINS: code(
    'jenkins',
    'A Jenkins REST call failed for a reason without a more specific code.',
  ),
  ERR_JENKINS_AUTH: code(
    'jenkins',
    'Jenkins refused the credentials or the CSRF crumb (HTTP 401/403).',
  ),
  ERR_JENKINS_NOT_FOUND: code('jenkins', 'The Jenkins item does not exist (HTTP 404).'),
  ERR_JENKINS_TIMEOUT: code('jenkins', 'Jenkins did not answer in time.'),
  ERR_JENKINS_UNREACHABLE: code('jenkins', 'Jenkins could not be reached (refused, DNS, reset).'),
  ERR_JENKINS_NODE: code(
    'jenkins',
    'Jenkins accepted a node create/delete, but the node afterwards says it failed.',
  ),
  ERR_JENKINS_STOPPED: code('jenkins', 'The Jenkins client was stopped before the call could run.'),
  ERR_JENKINS_EVENT: code(
    'jenkins',
    'A ZeroMQ event from Jenkins cannot be understood; it is dropped and logged.',
  ),

  ERR_GEARMAN: code(
    'gearman',
    'A Gearman operation failed for a reason without a more specific code.',
  ),
  ERR_GEARMAN_NOT_CONNECTED: code('gearman', 'No configured Gearman server is connected.'),
  ERR_GEARMAN_TIMEOUT: code(
    'gearman',
    'A Gearman server did not answer in time; the connection is re-made.',
  ),
  ERR_GEARMAN_DISCONNECTED: code(
    'gearman',
    'The connection to a Gearman server was lost while a request or job was outstanding.',
  ),
  ERR_GEARMAN_SERVER: code('gearman', 'A Gearman server answered with an error.'),
  ERR_GEARMAN_STOPPED: code('gearman', 'The Gearman client is stopping or stopped.'),
  ERR_GEARMAN_JOB_FAILED: code(
    'gearman',
    'A submitted Gearman job failed, raised an exception or lost its connection.',
  ),
  ERR_GEARMAN_ASSIGNMENT_REPLY: code(
    'gearman',
    'A node assignment job succeeded but its reply named no usable manager.',
  ),
  ERR_GEARMAN_PROTOCOL: code(
    'gearman',
    'A Gearman server sent bytes that do not follow the protocol; the connection is dropped.',
  ),

  ERR_STATUS_UNAVAILABLE: code(
    'web',
    'The status web app cannot answer (no database configured); it replies 503.',
  ),
} as const satisfies Record<string, ErrorCodeInfo>;

/** A code of the table. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The exit status for a code; 1 for anything not in the table. */
export function exitStatusOf(code: string): 1 | 2 {
  return (ERROR_CODES as Record<string, ErrorCodeInfo>)[code]?.exit ?? 1;
}
