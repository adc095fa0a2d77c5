/**
 * `nodepoold` composed by the test harness (run through tsx): the shipped `main()` with
 * another SSH seam. `--fake-ssh` fakes every node's SSH; `--ssh-target HOST:PORT` sends
 * every node's SSH there. `--interval-ms N` shortens the main loop's interval (health tests).
 * `--timing KEY=MS` (repeatable) sets any launcher timing knob, e.g.
 * `--timing changePollMs=600000`. The remaining arguments go to nodepoold.
 */
import { main } from '../../src/cmd/nodepoold.js';
import { renderError } from '../../src/cmd/exit.js';
import type { LauncherTiming, SshSeam } from '../../src/launcher/index.js';
import { FAKE_SSH_SEAM, redirectSeam } from './ssh-seams.js';

function takeSeam(argv: string[]): SshSeam | undefined {
  const fake = argv.indexOf('--fake-ssh');
  if (fake >= 0) {
    argv.splice(fake, 1);
    return FAKE_SSH_SEAM;
  }
  const target = argv.indexOf('--ssh-target');
  if (target >= 0) {
    const value = argv.splice(target, 2)[1] ?? '';
    const m = /^(.+):(\d+)$/.exec(value);
    if (m === null) throw new Error(`--ssh-target must be HOST:PORT: current value is "${value}"`);
    return redirectSeam(m[1]!, Number(m[2]));
  }
  return undefined;
}

function takeTiming(argv: string[]): Partial<LauncherTiming> | undefined {
  const timing: Record<string, number> = {};
  for (let i = argv.indexOf('--timing'); i >= 0; i = argv.indexOf('--timing')) {
    const value = argv.splice(i, 2)[1] ?? '';
    const m = /^(\w+)=(\d+)$/.exec(value);
    if (m === null) throw new Error(`--timing must be KEY=MS: current value is "${value}"`);
    timing[m[1]!] = Number(m[2]);
  }
  return Object.keys(timing).length === 0 ? undefined : timing;
}

function takeInterval(argv: string[]): number | undefined {
  const at = argv.indexOf('--interval-ms');
  if (at < 0) return undefined;
  const value = argv.splice(at, 2)[1] ?? '';
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`--interval-ms must be a positive integer: current value is "${value}"`);
  return ms;
}

const argv = process.argv.slice(2);
const ssh = takeSeam(argv);
const timing = takeTiming(argv);
const intervalMs = takeInterval(argv);
main(argv, {
  ...(ssh === undefined ? {} : { ssh }),
  ...(timing === undefined ? {} : { timing }),
  ...(intervalMs === undefined ? {} : { intervalMs }),
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(renderError(err, true) + '\n');
    process.exit(1);
  },
);
