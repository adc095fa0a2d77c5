#!/usr/bin/env bash
# Installs the npm modules at exactly the versions of package-lock.json (`npm ci`), when
# node_modules is missing or older than the lock file. Used by scripts/test.sh and
# scripts/quickstart.sh.
#
# It never rewrites package-lock.json: when `npm ci` refuses the lock file, it stops with
# npm's reason instead of falling back to `npm install` (which would rewrite the file and
# leave the checkout modified). Regenerate the lock file on purpose with `npm install`
# and commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
ci_log=$(mktemp)
trap 'rm -f "$ci_log"' EXIT
if ! npm ci --no-audit --no-fund 2>"$ci_log"; then
  grep 'npm error' "$ci_log" | head -n 10 >&2 || tail -n 10 "$ci_log" >&2
  echo "install-npm.sh: npm ci refused package-lock.json (see above); the lock file was not changed." >&2
  echo "install-npm.sh: to update it on purpose: npm install, then commit package-lock.json" >&2
  exit 1
fi
