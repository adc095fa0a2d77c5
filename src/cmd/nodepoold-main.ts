/** Process entry of `bin/nodepoold`: runs the daemon and exits with its status. */
import { main } from './nodepoold.js';
import { renderError } from './exit.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(renderError(err, true) + '\n');
    process.exit(1);
  },
);
