#!/usr/bin/env bash
# Copies the 1.0 module (src/) to DEST/v1 and the 2.0 module (accel/) to DEST/v2 without the objects of an
# earlier in-tree build, with accel's Kbuild pointed at this repository's spec/ (it finds it relative to
# itself). Used by v2-guest.sh and arm64-16k-guest.sh before they build for their kernel.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
DEST=$1
cp -r "$REPO/packages/kmod/src" "$DEST/v1"; cp -r "$REPO/packages/kmod/accel" "$DEST/v2"
for v in v1 v2; do
  (cd "$DEST/$v" && rm -f ./*.o ./*.ko ./.*.cmd ./*.mod ./*.mod.c modules.order Module.symvers)
done
sed -i "s|\$(src)/../../../spec|$REPO/spec|" "$DEST/v2/Kbuild"
