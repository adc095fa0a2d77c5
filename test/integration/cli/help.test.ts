/**
 * `--help` and `--version` of the three commands, run as processes (issue #17): the layout of
 * Nodepool 0.4.0's argparse help (seed 003: usage line, the verb set, "optional
 * arguments:", upstream's descriptions), with the port's extra flags after upstream's, and
 * one version string for all three.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

function run(
  bin: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', bin), ...args],
      { timeout: 30_000, env: { ...process.env, COLUMNS: '200' } },
      (err, stdout, stderr) => {
        res({
          code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** Lines with runs of spaces collapsed, as seed 003 reproduces the 0.4.0 text. */
const collapsed = (text: string): string[] =>
  text.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));

describe('--help', () => {
  it('lays out nodepool-builder as argparse did, extras last', async () => {
    const r = await run('nodepool-builder', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'usage: nodepool-builder [-h] [-c CONFIG] [-l LOGCONFIG] [-p PIDFILE] [-d]',
        '                        [--build-workers BUILD_WORKERS]',
        '                        [--upload-workers UPLOAD_WORKERS] [--version]',
        '                        [-s SECURE] [--fail-fast] [--web-address WEB_ADDRESS]',
        '',
        'NodePool Image Builder.',
        '',
        'optional arguments:',
        '  -h, --help            show this help message and exit',
        '  -c CONFIG, --config CONFIG',
        '                        path to config file',
        '  -l LOGCONFIG, --logconfig LOGCONFIG',
        '                        path to log config file',
        '  -p PIDFILE, --pidfile PIDFILE',
        '                        path to pid file',
        '  -d, --nodaemon        do not run as a daemon',
        '  --build-workers BUILD_WORKERS',
        '                        number of build workers',
        '  --upload-workers UPLOAD_WORKERS',
        '                        number of upload workers',
        '  --version             show version',
        '  -s SECURE, --secure SECURE',
        '                        path to secure file (accepted for compatibility; the',
        '                        builder does not read it)',
        '  --fail-fast           exit at once when ZooKeeper cannot be reached at start',
        '  --web-address WEB_ADDRESS',
        '                        serve /health/live and /health/ready there (off by',
        '                        default)',
        '',
      ].join('\n'),
    );
  });

  it('keeps the 0.4.0 usage of nodepoold, then the extras', async () => {
    const r = await run('nodepoold', ['--help']);
    expect(r.code).toBe(0);
    const usage = r.stdout.slice(0, r.stdout.indexOf('\n\n')).replace(/\s+/g, ' ');
    expect(usage).toBe(
      'usage: nodepoold [-h] [-c CONFIG] [-s SECURE] [-d] [-l LOGCONFIG] [-p PIDFILE] [--no-builder] ' +
        '[--build-workers BUILD_WORKERS] [--upload-workers UPLOAD_WORKERS] [--no-deletes] [--no-launches] ' +
        '[--no-webapp] [--version] [--fail-fast] [--web-address WEB_ADDRESS] [--launcher-name LAUNCHER_NAME]',
    );
    const lines = collapsed(r.stdout);
    for (const line of [
      'Node pool.',
      'optional arguments:',
      '-h, --help show this help message and exit',
      '-d, --nodaemon do not run as a daemon',
      '--version show version',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('lists the verbs of nodepool in 0.4.0 order with their descriptions', async () => {
    const r = await run('nodepool', ['--help']);
    expect(r.code).toBe(0);
    const upstream =
      'list,image-list,dib-image-list,image-build,alien-list,alien-image-list,hold,delete,image-delete,dib-image-delete,config-validate,job-list,job-create,job-delete';
    expect(r.stdout).toMatch(
      /^usage: nodepool \[-h\] \[-c CONFIG\] \[-s SECURE\] \[-l LOGCONFIG\] \[--version\]\n {16}\[--debug\]\n {16}\{/,
    );
    expect(r.stdout).toContain(`{${upstream},image-update,image-upload,launcher-list}`);
    const lines = collapsed(r.stdout);
    for (const line of [
      'Node pool.',
      'optional arguments:',
      '-c CONFIG, --config CONFIG',
      'path to config file',
      '--debug show DEBUG level logging',
      'commands:',
      'valid commands',
      'additional help',
      'list list nodes',
      'image-list list images from providers',
      'dib-image-list list images built with diskimage-builder',
      'image-build build image using diskimage-builder',
      'alien-list list nodes not accounted for by nodepool',
      'alien-image-list list images not accounted for by nodepool',
      'hold place a node in the HOLD state',
      'delete place a node in the DELETE state',
      'image-delete delete an image',
      'dib-image-delete delete image built with diskimage-builder',
      'config-validate Validate configuration file',
      'job-list list jobs',
      'job-create create job',
      'job-delete delete job',
      'launcher-list list the launchers of the ZooKeeper cluster',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('gives each verb its 0.4.0 usage', async () => {
    const hold = await run('nodepool', ['hold', '--help']);
    expect(hold.stdout).toBe(
      [
        'usage: nodepool hold [-h] [--reason REASON] [--json] id',
        '',
        'positional arguments:',
        '  id               node id',
        '',
        'optional arguments:',
        '  -h, --help       show this help message and exit',
        '  --reason REASON  Optional reason this node is held',
        '  --json           print JSON instead of a table',
        '',
      ].join('\n'),
    );
    const alien = await run('nodepool', ['alien-list', '--help']);
    expect(collapsed(alien.stdout)).toEqual(
      expect.arrayContaining([
        'usage: nodepool alien-list [-h] [--json] [provider]',
        'provider provider name',
      ]),
    );
  });
});

describe('--version', () => {
  it('prints the same string for all three commands', async () => {
    for (const bin of ['nodepool', 'nodepoold', 'nodepool-builder']) {
      expect(await run(bin, ['--version'])).toEqual({
        code: 0,
        stdout: 'Nodepool version: 0.4.0\n',
        stderr: '',
      });
    }
  });
});
