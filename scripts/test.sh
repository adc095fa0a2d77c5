#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need, builds,
# lints, and runs every suite against real services on 127.0.0.1. With no arguments it
# then runs the provider suite and nodepoold end to end against the real OpenStack of
# ../shared/realcloud (the tests bring it up: status.sh -q || start.sh || setup.sh); set
# NODEPOOL_TEST_REAL_OPENSTACK=0 to leave those out. Arguments go to one vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/start-services.sh
bash scripts/install-npm.sh
npm run --silent build
npm run --silent lint
npm run --silent format:check
if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi
npx vitest run --exclude "test/integration/**/*realcloud.test.ts"
REALCLOUD_TESTS=(test/integration/provider/realcloud.test.ts test/integration/launcher/realcloud.test.ts
  test/integration/seeds/seed-004-realcloud.test.ts)
if [ "${NODEPOOL_TEST_REAL_OPENSTACK:-1}" = 0 ]; then
  echo "*** SKIPPED: the real-OpenStack suites (NODEPOOL_TEST_REAL_OPENSTACK=0) ***" >&2
elif [ ! -f ../shared/realcloud/start.sh ]; then
  echo "*** SKIPPED: the real-OpenStack suites: ../shared/realcloud is not on this machine ***" >&2
else
  # One file at a time, after everything else: they share one cloud and take a minute each
  # (seed 004 about three, at the seed's own rate of one API call every 10 s).
  for t in "${REALCLOUD_TESTS[@]}"; do
    NODEPOOL_TEST_REAL_OPENSTACK=1 npx vitest run "$t"
  done
fi
