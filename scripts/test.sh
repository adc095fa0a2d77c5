#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need, builds,
# lints, and runs every suite against real services on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/start-services.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm 11 writes a lock file without other platforms' optional packages (rollup's and
  # unrs-resolver's native builds) and then `npm ci` refuses that same file as "out of
  # sync". `npm install` installs the locked versions from it just the same.
  ci_log=$(mktemp)
  if ! npm ci --no-audit --no-fund 2>"$ci_log"; then
    grep -m 3 'npm error' "$ci_log" >&2 || true
    echo "test.sh: npm ci refused package-lock.json; installing the locked versions with npm install" >&2
    npm install --no-audit --no-fund
  fi
  rm -f "$ci_log"
fi
npm run --silent build
npm run --silent lint
npx vitest run "$@"
