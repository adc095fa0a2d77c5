// The quickstart's nodepoold: the shipped daemon's main() (from dist/) composed with fake
// node SSH, since the quickstart's fake clouds' servers do not boot. Not installed; the
// shipped bin/nodepoold always composes real SSH.
import { main } from '../../dist/cmd/nodepoold.js';
import { renderError } from '../../dist/cmd/exit.js';
import { fakeSsh } from '../../dist/ssh/index.js';

main(process.argv.slice(2), { ssh: { connector: () => fakeSsh } }).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(renderError(err, true) + '\n');
    process.exit(1);
  },
);
