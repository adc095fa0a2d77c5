/** Process entry of `bin/nodepool-fake-cloud`: runs the fake cloud until SIGINT/SIGTERM. */
import { CommanderError } from 'commander';
import { exitCodeFor, renderError } from './exit.js';
import { runFakeCloud } from './nodepool-fake-cloud.js';

const stop = new AbortController();
let signals = 0;
function onSignal(): void {
  signals++;
  // A second signal means "now": skip the graceful stop.
  if (signals > 1) process.exit(1);
  stop.abort();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runFakeCloud(process.argv.slice(2), { signal: stop.signal }).then(
  () => {
    process.exitCode = 0;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  },
  (err: unknown) => {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      process.stderr.write(renderError(err, false) + '\n');
      process.exitCode = exitCodeFor(err);
    }
    process.exit();
  },
);
