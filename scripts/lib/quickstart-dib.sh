#!/usr/bin/env bash
# The quickstart's disk-image-create (NODEPOOL_DIB_CMD): the test suite's stand-in, which
# writes a tiny file per image format in a moment instead of building an operating system.
# That stand-in checks a few variables upstream's test config sets; they are set here so
# the quickstart's nodepool.yaml can stay free of them.
export DIB_RELEASE=21 \
  TMPDIR=/opt/dib_tmp \
  DIB_IMAGE_CACHE=/opt/dib_cache \
  DIB_CLOUD_IMAGES=http://download.fedoraproject.org/pub/fedora/linux/releases/test/21-Beta/Cloud/Images/x86_64/ \
  BASE_IMAGE_FILE=Fedora-Cloud-Base-20141029-21_Beta.x86_64.qcow2
exec "$(dirname "$0")/../../test/fixtures/bin/disk-image-create" "$@"
