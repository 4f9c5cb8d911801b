#!/usr/bin/env bash
# npm run test:kernel — the kernel job: checkpatch, then ci/v2-guest.sh builds the 2.0 driver (accel/, W=1 and
# sparse clean) and the frozen 1.0 module (src/) against a pinned Debian kernel and boots that kernel once
# under QEMU (TCG: software emulation; KVM does not work on these machines). In the guest: the 1.0 defect
# probes on 1.0 (they must fail there; 1.0 is kept only for them), then on the 2.0 module
# (/dev/accel/accel0, with the DRM and crypto modules it needs): the 2.0 defect probes, fuzz and stress in C,
# compat32, the 2.0 conformance suite, accelctl fuzz, accelctl stress, the foreign-driver checks, the
# doorbell bench, the leak check (ci/guest-checks.sh) and unload. Fails on a conformance failure, a probe,
# fuzz or stress finding, a kernel warning or oops, a leak, or a timeout.
# Needs the repository built (npm run build). Work files go to $OA_KERNEL_WORK (default /tmp/openaccel-kernel).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
KVER=6.12.117+deb12; FLAVOR=amd64; KREL=$KVER-$FLAVOR     # pinned: bump as bookworm-security moves
W=${OA_KERNEL_WORK:-/tmp/openaccel-kernel}
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
  "$REPO"/packages/kmod/accel/*.h 2>&1 || true)
if printf '%s\n' "$checkpatch_report" \
    | grep -v 'LINUX_VERSION_CODE\|Comparisons should place the constant' | grep -E 'ERROR|WARNING'; then
  echo "kernel: checkpatch.pl reports problems"; exit 1
fi

OUT=$REPO/packages/kmod/.out; rm -rf "$OUT"; mkdir -p "$OUT"
step "build, boot and check in the guest (ci/v2-guest.sh); console in $OUT/v2-console.log"
fail=0
OA_KERNEL_WORK="$W" OA_V2_CONFORMANCE=1 bash "$REPO/packages/kmod/ci/v2-guest.sh" || fail=1
step "defect 8 on 16 KiB pages: Debian's arm64-16k kernel (ci/arm64-16k-guest.sh)"
OA_KERNEL_WORK="$W" bash "$REPO/packages/kmod/ci/arm64-16k-guest.sh" || fail=1

if [ -f "$OUT/kmod2-conformance.json" ]; then
  node -e "const r=require('$OUT/kmod2-conformance.json'); console.log('kernel conformance:', r.verdict, JSON.stringify(r.totals)); for (const t of r.tests) if (t.status!=='pass'&&t.status!=='skip') console.log('  ', t.status, t.id, t.message||''); for (const p of r.profiles) if (p.verdict!=='conformant') console.log('   profile', p.profile, p.verdict + ':', p.failing.map((f) => f.id + ' (' + f.status + ')').join(', ')); process.exit(r.verdict==='conformant'?0:1)" || fail=1
else
  echo "kernel: no conformance results"; fail=1
fi
for k in fuzz stress; do
  if [ -s "$OUT/kmod-$k.json" ]; then
    node -e "const r=require('$OUT/kmod-$k.json'); const { schema, device, ok, replay, durationMs, ...rest } = r; console.log('kernel $k:', ok ? 'ok' : 'FAILED', durationMs + ' ms', JSON.stringify(rest)); if (!ok) console.log('  replay:', replay); process.exit(ok ? 0 : 1)" || fail=1
  else
    echo "kernel: no $k results"; fail=1
  fi
done
node "$REPO/packages/kmod/ci/foreign-summary.mjs" "$OUT" || fail=1
exit $fail
