#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need, builds,
# lints, and runs every suite against real services on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/start-services.sh
bash scripts/install-npm.sh
npm run --silent build
npm run --silent lint
npx vitest run "$@"
