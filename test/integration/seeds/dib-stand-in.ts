/**
 * The disk-image-create stand-in of the seed tests: accepts any elements (the shared fake
 * checks upstream's fixture env) and writes a few bytes per image type.
 */
export const ANY_DIB = `#!/bin/bash
out=; types=qcow2
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    -t) types=$2; shift 2 ;;
    --qemu-img-options) shift 2 ;;
    -*) shift ;;
    *) shift ;;
  esac
done
for t in \${types//,/ }; do echo fake-data > "$out.$t"; done
mkdir -p "$out.d"
`;
