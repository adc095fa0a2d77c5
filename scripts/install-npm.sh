#!/usr/bin/env bash
# Installs the npm modules at the versions of package-lock.json, when node_modules is
# missing or older than the lock file. Used by scripts/test.sh and scripts/quickstart.sh.
#
# npm 11 writes a lock file without other platforms' optional packages (rollup's and
# unrs-resolver's native builds) and then `npm ci` refuses that same file as "out of
# sync"; `npm install` installs the locked versions from it just the same.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
ci_log=$(mktemp)
trap 'rm -f "$ci_log"' EXIT
if ! npm ci --no-audit --no-fund 2>"$ci_log"; then
  grep -m 3 'npm error' "$ci_log" >&2 || true
  echo "install-npm.sh: npm ci refused package-lock.json; installing the locked versions with npm install" >&2
  npm install --no-audit --no-fund
fi
