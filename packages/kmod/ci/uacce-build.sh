#!/usr/bin/env bash
# Builds the kernel's own UACCE framework (drivers/misc/uacce) as an out-of-tree uacce.ko for the pinned
# Debian kernel, which ships it disabled (# CONFIG_UACCE is not set). The source comes from the
# linux-source-6.12 package of the same kernel (kernel-test.sh downloads it for checkpatch); the module
# is built W=1 against the kernel's headers and must be warning-free, and every symbol it imports must
# be exported by that kernel (its Module.symvers).
# usage: uacce-build.sh OUTDIR    (OA_KERNEL_WORK: the tree kernel-test.sh extracts, default /tmp/openaccel-kernel)
# Writes OUTDIR/uacce.ko. Exit 0 on success, 1 on a build problem, 2 when the kernel tree is missing.
set -euo pipefail
OUTDIR=${1:?usage: uacce-build.sh OUTDIR}
KREL=6.12.117+deb12-amd64
KW=${OA_KERNEL_WORK:-/tmp/openaccel-kernel}
KDIR=$KW/root/usr/src/linux-headers-$KREL
COMMON=$KW/root/usr/src/linux-headers-6.12.117+deb12-common
[ -d "$KDIR" ] || { echo "uacce-build: run packages/kmod/ci/kernel-test.sh once first (it extracts $KDIR)"; exit 2; }
SRC=$KW/uacce-src
FILES="drivers/misc/uacce/uacce.c include/linux/uacce.h include/uapi/misc/uacce/uacce.h include/uapi/misc/uacce/hisi_qm.h"

# The sources, extracted once (decompressing the whole source tarball takes a while).
if [ ! -f "$SRC/.extracted" ]; then
  (cd "$KW/debs" && { ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download linux-source-6.12 2>/dev/null; })
  rm -rf "$SRC"; mkdir -p "$SRC"
  # shellcheck disable=SC2046
  dpkg --fsys-tarfile "$KW"/debs/linux-source-6.12_*.deb | tar -xO ./usr/src/linux-source-6.12.tar.xz \
    | tar -xJ -C "$SRC" --strip-components=1 $(for f in $FILES; do echo "linux-source-6.12/$f"; done)
  touch "$SRC/.extracted"
fi
# The module and the driver that registers with it (kmod) both compile against the headers package's
# copies: they must be the source's, or the two would disagree on struct uacce_device.
for f in include/linux/uacce.h include/uapi/misc/uacce/uacce.h; do
  cmp -s "$SRC/$f" "$COMMON/$f" || { echo "uacce-build: $f of linux-source differs from the headers package's"; exit 1; }
done

B=$(mktemp -d /tmp/openaccel-uacce.XXXXXX)
trap 'rm -rf "$B"' EXIT
cp "$SRC/drivers/misc/uacce/uacce.c" "$B/"
# The header declares uacce_alloc() and friends only when CONFIG_UACCE is enabled (static inline stubs
# otherwise), and this kernel's autoconf.h leaves it off: the build says it is a module, as Kconfig would.
printf 'obj-m := uacce.o\nccflags-y := -DCONFIG_UACCE_MODULE=1\n' > "$B/Kbuild"
make -s -C "$KDIR" M="$B" W=1 modules > "$B/build.log" 2>&1 || { cat "$B/build.log"; echo "uacce-build: the build failed"; exit 1; }
cat "$B/build.log"
if grep -qE 'warning|error' "$B/build.log"; then echo "uacce-build: uacce.ko must build without W=1 warnings"; exit 1; fi

# Every symbol uacce.ko imports must be exported by this kernel (modpost checked against the same
# Module.symvers; this says which ones the SVA path needs and that they are there).
missing=0
for s in $(nm -u "$B/uacce.ko" | awk '{print $2}' | grep -v '^__this_module$'); do
  line=$(awk -v s="$s" '$2 == s { print $3, $4 }' "$KDIR/Module.symvers")
  if [ -z "$line" ]; then echo "uacce-build: $s is not exported by $KREL"; missing=1; fi
  case $s in iommu_*) echo "uacce-build: imports $s ($line)";; esac
done
[ $missing = 0 ] || exit 1
mkdir -p "$OUTDIR"
cp "$B/uacce.ko" "$OUTDIR/uacce.ko"
echo "uacce-build: $OUTDIR/uacce.ko ($(modinfo -F vermagic "$OUTDIR/uacce.ko" 2>/dev/null || echo "$KREL"))"
