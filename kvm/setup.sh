#!/usr/bin/env bash
# Set-up for `actorkvm diff`: everything from Debian's packages, cached under kvm/.cache (git-ignored).
# Idempotent: a second run only checks. Any missing piece: one line "kvm/setup.sh: error: ..." and exit 1.
#   host tools    qemu-system-arm (qemu-system-aarch64), gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, cpio
#   arm64 debs    linux-image-6.12.*-arm64-unsigned (the newest served) and busybox-static, fetched with
#                 `apt-get download` and unpacked with `dpkg-deb -x`
#   built here    .cache/runner: kvm/runner.c cross-compiled statically (rebuilt when a source is newer)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/.cache"
fail() { echo "kvm/setup.sh: error: $*" >&2; exit 1; }
mkdir -p "$cache/debs"

need_apt=0
for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc cpio; do command -v "$tool" >/dev/null || need_apt=1; done
[ -f /usr/aarch64-linux-gnu/include/linux/kvm.h ] || need_apt=1
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  [ "$(id -u)" = 0 ] || fail "arm64 is not a dpkg architecture here and adding it needs root (dpkg --add-architecture arm64)"
  dpkg --add-architecture arm64
  need_apt=1
fi
if [ ! -f "$cache/kernel.version" ] || [ ! -x "$cache/busybox" ] || [ "$need_apt" = 1 ]; then
  [ "$(id -u)" = 0 ] || fail "packages are missing and installing them needs root"
  apt-get update -qq >/dev/null 2>&1 || fail "apt-get update failed (no Debian mirror reachable?)"
fi
if [ "$need_apt" = 1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross cpio >/dev/null 2>&1 \
    || fail "apt-get install qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross cpio failed"
fi
for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc cpio; do
  command -v "$tool" >/dev/null || fail "$tool is missing after installing its package"
done

# The arm64 kernel: the newest linux-image-6.12.*-arm64-unsigned the mirror serves (not -cloud, not -rt).
if [ ! -f "$cache/kernel.version" ] || [ ! -f "$cache/Image" ]; then
  pkg="$(apt-cache search --names-only '^linux-image-6\.12\..*-arm64-unsigned$' | awk '{print $1}' \
         | grep -v -e cloud -e '-rt-' | sort -V | tail -1)"
  [ -n "$pkg" ] || fail "no linux-image-6.12.*-arm64-unsigned package is served (is arm64 in the apt sources?)"
  (cd "$cache/debs" && rm -f linux-image-*.deb && apt-get download -qq "$pkg:arm64" >/dev/null 2>&1) \
    || fail "apt-get download $pkg:arm64 failed"
  rm -rf "$cache/kernel-root" && dpkg-deb -x "$cache/debs/$pkg"_*.deb "$cache/kernel-root"
  vmlinuz="$(ls "$cache"/kernel-root/boot/vmlinuz-* | head -1)"
  [ -f "$vmlinuz" ] || fail "$pkg has no /boot/vmlinuz-*"
  # Debian's arm64 vmlinuz is a gzip'd Image; QEMU takes either, keep the plain one.
  if gzip -t "$vmlinuz" 2>/dev/null; then gzip -dc "$vmlinuz" > "$cache/Image"; else cp "$vmlinuz" "$cache/Image"; fi
  cp "$(ls "$cache"/kernel-root/boot/config-* | head -1)" "$cache/kernel.config"
  rm -rf "$cache/kernel-root"  # modules are not needed: KVM, hugetlb and kprobes are built in
  echo "${pkg#linux-image-}" | sed 's/-arm64-unsigned$//' > "$cache/kernel.version"
fi

if [ ! -x "$cache/busybox" ]; then
  (cd "$cache/debs" && rm -f busybox-static_*.deb && apt-get download -qq busybox-static:arm64 >/dev/null 2>&1) \
    || fail "apt-get download busybox-static:arm64 failed"
  rm -rf "$cache/bb-root" && dpkg-deb -x "$cache"/debs/busybox-static_*.deb "$cache/bb-root"
  cp "$cache/bb-root/bin/busybox" "$cache/busybox" && rm -rf "$cache/bb-root"
fi

# The runner: rebuilt when any of its sources is newer than the binary.
if [ ! -x "$cache/runner" ] || [ -n "$(find "$here" -maxdepth 1 \( -name '*.c' -o -name '*.h' -o -name '*.S' \) -newer "$cache/runner")" ]; then
  aarch64-linux-gnu-gcc -static -O2 -Wall -Werror -o "$cache/runner.tmp" "$here"/runner.c "$here"/guest.S \
    || fail "building kvm/runner.c with aarch64-linux-gnu-gcc failed"
  mv "$cache/runner.tmp" "$cache/runner"
fi

# The fixed part of the initramfs (busybox, /init, the runner); `actorkvm diff` appends the op lists.
if [ ! -f "$cache/base.cpio" ] || [ "$cache/runner" -nt "$cache/base.cpio" ] || [ "$here/init.sh" -nt "$cache/base.cpio" ]; then
  root="$cache/initramfs"
  rm -rf "$root" && mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/ops"
  cp "$cache/busybox" "$root/bin/busybox"
  cp "$here/init.sh" "$root/init" && chmod +x "$root/init"
  cp "$cache/runner" "$root/bin/runner"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet > "$cache/base.cpio.tmp") || fail "cpio failed"
  mv "$cache/base.cpio.tmp" "$cache/base.cpio"
fi
echo "kvm/setup.sh: ready: kernel $(cat "$cache/kernel.version"), $(qemu-system-aarch64 --version | head -1)"
