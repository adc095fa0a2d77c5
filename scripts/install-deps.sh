#!/usr/bin/env bash
# Installs, when missing, the Debian packages the tests talk to over real sockets:
# ZooKeeper (+ Java), gearmand and its CLI, OpenSSH server, Kazoo (lock interop),
# python3-openstackclient (fake cloud validation), diskimage-builder and chromium
# (headless status page test).
set -euo pipefail
need=()
check() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || need+=("$1"); }
for p in zookeeper gearman-job-server gearman-tools openssh-server python3-kazoo \
         python3-openstackclient python3-diskimage-builder chromium; do
  check "$p"
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
