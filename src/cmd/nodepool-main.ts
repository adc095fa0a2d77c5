/** Process entry of `bin/nodepool`: runs the CLI and exits with its status. */
import { main } from './nodepool.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
    process.exitCode = 1;
  },
);
