/** Process entry of `bin/nodepool-builder`: runs the daemon and exits with its status. */
import { main } from './nodepool-builder.js';
import { renderError } from './exit.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(renderError(err, true) + '\n');
    process.exit(1);
  },
);
