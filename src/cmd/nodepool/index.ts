/**
 * Every `nodepool` verb, in `--help` order: what the parser and `--help` need, and `load()`,
 * which imports the verb's module only when that verb runs. So `nodepool --help` loads no
 * database, ZooKeeper, cloud or launcher code, and `nodepool list` only the database's.
 *
 * To add a verb: write `src/cmd/nodepool/<verb>.ts` exporting `run` (see `VerbRun`) and
 * list it here. Import nothing from the verb modules statically.
 */
import type { VerbEntry } from './verb.js';

export const VERBS: readonly VerbEntry[] = [
  {
    name: 'list',
    description: 'list nodes',
    hasJson: true,
    load: () => import('./list.js'),
  },
  {
    name: 'hold',
    description: 'place a node in the HOLD state',
    arguments: [{ name: 'id', description: 'node id' }],
    options: [{ flags: '--reason <text>', description: 'Optional reason this node is held' }],
    hasJson: true,
    load: () => import('./hold.js'),
  },
  {
    name: 'delete',
    description: 'place a node in the DELETE state',
    arguments: [{ name: 'id', description: 'node id' }],
    options: [{ flags: '--now', description: 'delete the node in the foreground' }],
    hasJson: true,
    load: () => import('./delete.js'),
  },
  {
    name: 'image-build',
    description: 'build image using diskimage-builder',
    arguments: [{ name: 'image', description: 'image name' }],
    load: () => import('./image-build.js'),
  },
  {
    name: 'image-update',
    description: 'rebuild the image and upload to provider',
    arguments: [
      { name: 'provider', description: 'provider name (`all` for every provider)' },
      { name: 'image', description: 'image name' },
    ],
    load: () => import('./image-update.js'),
  },
  {
    name: 'image-upload',
    description: 'upload an image to a provider',
    arguments: [
      { name: 'provider', description: 'provider name (`all` for uploading to all providers)' },
      { name: 'image', description: 'image name' },
    ],
    load: () => import('./image-upload.js'),
  },
  {
    name: 'image-delete',
    description: 'delete an image',
    arguments: [
      {
        name: 'id',
        description:
          'snapshot image id, or IMAGE-BUILD_ID-PROVIDER-UPLOAD_ID (instead of the options)',
        required: false,
      },
    ],
    options: [
      { flags: '--provider <provider>', description: 'provider name' },
      { flags: '--image <image>', description: 'image name' },
      { flags: '--build-id <build-id>', description: 'image build id' },
      { flags: '--upload-id <upload-id>', description: 'image upload id' },
      {
        flags: '--force',
        description: 'with ID of a snapshot image: ignore failures to delete it from the cloud',
      },
    ],
    load: () => import('./image-delete.js'),
  },
  {
    name: 'dib-image-delete',
    description: 'delete image built with diskimage-builder',
    arguments: [{ name: 'id', description: 'dib image id' }],
    load: () => import('./dib-image-delete.js'),
  },
  {
    name: 'dib-image-list',
    description: 'list images built with diskimage-builder',
    hasJson: true,
    load: () => import('./dib-image-list.js'),
  },
  {
    name: 'image-list',
    description: 'list images from providers',
    hasJson: true,
    load: () => import('./image-list.js'),
  },
  {
    name: 'alien-list',
    description: 'list nodes not accounted for by nodepool',
    arguments: [{ name: 'provider', description: 'provider name', required: false }],
    hasJson: true,
    load: () => import('./alien-list.js'),
  },
  {
    name: 'alien-image-list',
    description: 'list images not accounted for by nodepool',
    arguments: [{ name: 'provider', description: 'provider name', required: false }],
    hasJson: true,
    load: () => import('./alien-image-list.js'),
  },
  {
    name: 'job-list',
    description: 'list jobs',
    hasJson: true,
    load: () => import('./job-list.js'),
  },
  {
    name: 'job-create',
    description: 'create job',
    arguments: [{ name: 'name', description: 'job name' }],
    options: [
      {
        flags: '--hold-on-failure <count>',
        description: 'number of nodes to hold when this job fails',
      },
    ],
    hasJson: true,
    load: () => import('./job-create.js'),
  },
  {
    name: 'job-delete',
    description: 'delete job',
    arguments: [{ name: 'id', description: 'job id' }],
    load: () => import('./job-delete.js'),
  },
  {
    name: 'config-validate',
    description: 'Validate configuration file',
    load: () => import('./config-validate.js'),
  },
  {
    name: 'launcher-list',
    description: 'list the launchers of the ZooKeeper cluster',
    hasJson: true,
    load: () => import('./launcher-list.js'),
  },
];
export type { CliContext, VerbEntry, VerbModule, VerbOptions, VerbRun, VerbSpec } from './verb.js';
