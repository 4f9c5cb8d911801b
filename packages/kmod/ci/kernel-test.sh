#!/usr/bin/env bash
# npm run test:kernel — build openaccel.ko against a pinned Debian kernel, boot that kernel under QEMU
# (TCG: software emulation; KVM does not work on these machines), run the conformance suite in the guest
# against /dev/openaccel/accel0 followed by accelctl fuzz and accelctl stress, and fail on a conformance failure,
# a fuzz or stress finding, a kernel warning or oops, a leak, or a timeout.
# Needs the repository built (npm run build). Work files go to $OA_KERNEL_WORK (default /tmp/openaccel-kernel).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
KVER=6.12.117+deb12; FLAVOR=amd64; KREL=$KVER-$FLAVOR     # pinned: bump as bookworm-security moves
W=${OA_KERNEL_WORK:-/tmp/openaccel-kernel}
# Bounds only a hung guest: under emulation on a busy host the suite, fuzz and stress take many minutes.
TIMEOUT=${OA_KERNEL_TIMEOUT:-2400}
step() { echo "== kernel: $*"; }

need=()
for c in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static pahole:dwarves xz:xz-utils make:make gcc-12:gcc-12 sparse:sparse; do
  command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}")
done
# 32-bit static programs for the compat probes of the 2.0 guest (ci/v2-guest.sh).
[ -f /usr/lib32/libc.a ] || need+=(gcc-12-multilib libc6-dev-i386)
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" libc6-dev >/dev/null
fi
[ -f "$REPO/tools/accelctl/dist/bin.js" ] || { echo "kernel: build the repository first (npm run build)"; exit 2; }

mkdir -p "$W/debs"
step "Debian kernel $KREL"
(cd "$W/debs" && for p in linux-image-$KREL-unsigned linux-headers-$KREL linux-headers-$KVER-common linux-kbuild-$KVER; do
  ls ${p}_*.deb >/dev/null 2>&1 || apt-get download "$p" 2>/dev/null; done)
if [ ! -f "$W/root/.extracted-$KREL" ]; then
  rm -rf "$W/root"; mkdir -p "$W/root"
  dpkg --fsys-tarfile "$W"/debs/linux-image-$KREL-unsigned_*.deb | tar -x -C "$W/root" ./boot \
    ./lib/modules/$KREL/kernel/fs/netfs ./lib/modules/$KREL/kernel/net/9p ./lib/modules/$KREL/kernel/fs/9p
  for f in "$W"/debs/linux-headers-* "$W"/debs/linux-kbuild-*; do dpkg -x "$f" "$W/root"; done
  sed -i "s|^include /usr/src/|include $W/root/usr/src/|" "$W/root/usr/src/linux-headers-$KREL/Makefile"
  touch "$W/root/.extracted-$KREL"
fi

step "checkpatch.pl (from the linux-source package of the same kernel)"
CHECKPATCH=$W/checkpatch/scripts/checkpatch.pl
if [ ! -f "$CHECKPATCH" ]; then
  (cd "$W/debs" && { ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download linux-source-6.12 2>/dev/null; })
  mkdir -p "$W/checkpatch/src"
  dpkg --fsys-tarfile "$W"/debs/linux-source-6.12_*.deb | tar -x -C "$W/checkpatch/src" ./usr/src/linux-source-6.12.tar.xz
  tar -xf "$W/checkpatch/src/usr/src/linux-source-6.12.tar.xz" -C "$W/checkpatch" --strip-components=1 \
    linux-source-6.12/scripts/checkpatch.pl linux-source-6.12/scripts/spelling.txt linux-source-6.12/scripts/const_structs.checkpatch
  rm -rf "$W/checkpatch/src"
fi
# LINUX_VERSION_CODE guards are how one out-of-tree source builds for 6.1 and 6.12; everything else must be clean.
# The sources only: a previous build leaves a generated openaccel.mod.c beside them.
SOURCES=$(ls "$REPO"/packages/kmod/src/*.c "$REPO"/packages/kmod/accel/*.c | grep -v '\.mod\.c$')
# checkpatch exits non-zero on any warning, the allowed ones too: take its report first, then judge it (under
# pipefail a pipeline starting with it would always be false, and no problem would ever fail the job).
# shellcheck disable=SC2086
checkpatch_report=$(perl "$CHECKPATCH" --no-tree --terse -f $SOURCES "$REPO"/packages/kmod/src/oa.h \
  "$REPO"/packages/kmod/accel/oa_drv.h 2>&1 || true)
if printf '%s\n' "$checkpatch_report" \
    | grep -v 'LINUX_VERSION_CODE\|Comparisons should place the constant' | grep -E 'ERROR|WARNING'; then
  echo "kernel: checkpatch.pl reports problems"; exit 1
fi

step "build openaccel.ko"
(cd "$REPO/packages/kmod/src" && rm -f *.o *.ko .*.cmd *.mod *.mod.c modules.order Module.symvers)
make -s -C "$W/root/usr/src/linux-headers-$KREL" M="$REPO/packages/kmod/src" modules 2>&1 | tee "$W/build.log"
if grep -qE 'warning|error' "$W/build.log"; then echo "kernel: the module must build without warnings"; exit 1; fi

# The same source must build for Debian 12's own 6.1 kernel (API drift such as class_create and eventfd_signal).
K61=6.1.0-56
step "build openaccel.ko for $K61-$FLAVOR too"
(cd "$W/debs" && for p in linux-headers-$K61-$FLAVOR linux-headers-$K61-common linux-kbuild-6.1 linux-compiler-gcc-12-x86; do
  ls ${p}_*.deb >/dev/null 2>&1 || apt-get download "$p" 2>/dev/null; done)
if [ ! -f "$W/root61/.extracted" ]; then
  rm -rf "$W/root61"; mkdir -p "$W/root61"
  for f in "$W"/debs/linux-headers-$K61-* "$W"/debs/linux-kbuild-6.1_* "$W"/debs/linux-compiler-gcc-12-x86_*; do dpkg -x "$f" "$W/root61"; done
  sed -i "s|^include /usr/src/|include $W/root61/usr/src/|" "$W/root61/usr/src/linux-headers-$K61-$FLAVOR/Makefile"
  touch "$W/root61/.extracted"
fi
rm -rf "$W/src-6.1"; cp -r "$REPO/packages/kmod/src" "$W/src-6.1"; make -s -C "$W/src-6.1" -f /dev/null >/dev/null 2>&1 || true
(cd "$W/src-6.1" && rm -f *.o *.ko .*.cmd *.mod *.mod.c modules.order Module.symvers)
make -s -C "$W/root61/usr/src/linux-headers-$K61-$FLAVOR" M="$W/src-6.1" KCFLAGS="-I$REPO/spec/uapi/include" modules 2>&1 | tee "$W/build61.log"
if grep -qE 'warning|error' "$W/build61.log" || [ ! -f "$W/src-6.1/openaccel.ko" ]; then echo "kernel: the module must build for $K61 without warnings"; exit 1; fi

step "initramfs (busybox, node, 9p modules)"
S=$W/initrd; rm -rf "$S"; mkdir -p "$S"/{bin,proc,sys,dev,tmp,kmod}
cp "$(command -v busybox)" "$S/bin/busybox"
NODE=$(readlink -f "$(command -v node)"); cp "$NODE" "$S/bin/node"
for l in $(ldd "$NODE" | grep -o '/[^ ]*'); do mkdir -p "$S$(dirname "$l")"; cp -L "$l" "$S$l"; done
for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do xz -dc "$W/root/lib/modules/$KREL/kernel/$m.ko.xz" > "$S/kmod/${m##*/}.ko"; done
"$REPO/packages/kmod/ci/foreign-modules.sh" "$W" "$KREL" "$S"
cp "$REPO/packages/kmod/ci/guest-init.sh" "$S/init"; chmod +x "$S/init"
(cd "$S" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$W/initrd.cpio"

OUT=$REPO/packages/kmod/.out; rm -rf "$OUT"; mkdir -p "$OUT"
# The doorbell bench's C baseline, built here: the guest has no compiler.
gcc-12 -O2 -std=c11 -pthread -static -o "$OUT/pingpong" "$REPO/packages/bench/c/pingpong.c"
step "boot under QEMU (TCG, 2 vCPUs, 2 NUMA nodes); console in $OUT/console.log"
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 2,sockets=2,cores=1,threads=1 \
  -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G \
  -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 \
  -no-reboot -display none -kernel "$W/root/boot/vmlinuz-$KREL" -initrd "$W/initrd.cpio" \
  -append 'console=ttyS0 quiet panic=-1 oops=panic' -serial "file:$OUT/console.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -virtfs "local,path=$REPO,mount_tag=repo,security_model=none,id=repo"
qemu_rc=$?
set -e
[ $qemu_rc -eq 124 ] && { echo "kernel: the guest did not finish within $TIMEOUT s"; tail -20 "$OUT/console.log"; exit 1; }

fail=0
grep -a -E 'leak check|guest:|GUEST_RC' "$OUT/console.log" || true
grep -aq '^GUEST_RC=0' "$OUT/console.log" || { echo "kernel: the guest reported failure"; fail=1; }
if [ -f "$OUT/dmesg.txt" ] && grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t' "$OUT/dmesg.txt"; then
  echo "kernel: warnings or oopses in dmesg"; fail=1
fi
if grep -aE 'Kernel panic|Oops' "$OUT/console.log"; then echo "kernel: panic"; fail=1; fi
if [ -f "$OUT/kmod-conformance.json" ]; then
  node -e "const r=require('$OUT/kmod-conformance.json'); console.log('kernel conformance:', r.verdict, JSON.stringify(r.totals)); for (const t of r.tests) if (t.status!=='pass'&&t.status!=='skip') console.log('  ', t.status, t.id, t.message||'')"
else
  echo "kernel: no conformance results"; fail=1
fi
for k in fuzz stress; do
  if [ -s "$OUT/kmod-$k.json" ]; then
    node -e "const r=require('$OUT/kmod-$k.json'); const { schema, device, ok, replay, durationMs, ...rest } = r; console.log('kernel $k:', ok ? 'ok' : 'FAILED', durationMs + ' ms', JSON.stringify(rest)); if (!ok) console.log('  replay:', replay)"
  else
    echo "kernel: no $k results"; fail=1
  fi
done
node "$REPO/packages/kmod/ci/foreign-summary.mjs" "$OUT" || fail=1

# The 2.0 driver (accel/) in a guest of its own until it replaces 1.0 here: W=1 and sparse, the defect
# probes of issue 10 (1.0 forms on 1.0, then 2.0), fuzz, stress, compat, unload, leaks, and the conformance
# suite on /dev/accel/accel0, which must be conformant.
step "2.0 driver: build checks and defect probes (ci/v2-guest.sh)"
OA_KERNEL_WORK="$W" OA_V2_CONFORMANCE=1 bash "$REPO/packages/kmod/ci/v2-guest.sh" || fail=1
exit $fail
