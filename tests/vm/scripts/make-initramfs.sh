#!/usr/bin/env bash
# Builds the guest's base initramfs (uncompressed cpio "newc"): busybox, the kernel modules the
# tests need (with a load order resolved from modules.dep), and the /init script.
# Usage: make-initramfs.sh KERNEL_DIR INIT_SCRIPT OUTPUT
#   KERNEL_DIR: what fetch-kernel.sh left (root/lib/modules/VERSION, version).
# Uncompressed because decompression is slow under TCG and the archive is small (a few MB).
# Tests add their own programs as a second cpio archive appended to this one (the kernel
# unpacks concatenated archives in order).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 KERNEL_DIR INIT_SCRIPT OUTPUT" >&2; exit 2; }
kernel_dir=$1
init_script=$2
output=$3

# What the guest needs, as module names: the bochs DRM driver (-vga std -> /dev/fb0, /dev/dri/card0),
# the USB host controller and HID stack (-device usb-tablet, usb-kbd), evdev (/dev/input/event*),
# virtio-gpu (-device virtio-gpu-pci,max_outputs=2: the two-monitor test), after bochs so that
# bochs stays /dev/dri/card0 where both are present, and virtio_console (the SPICE agent port).
# ivshmem needs no driver: the guest maps the PCI BAR through sysfs.
modules=(bochs xhci-pci usbhid hid-generic evdev virtio-pci virtio-gpu virtio_console)

busybox=$(command -v busybox) || { echo "make-initramfs: busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# The guest has no libc: busybox must be the static build (ldd says so for a static binary).
if ldd "$busybox" >/dev/null 2>&1; then
  echo "make-initramfs: $busybox is dynamically linked; install busybox-static" >&2; exit 1
fi
version=$(cat "$kernel_dir/version")
modroot="$kernel_dir/root/lib/modules/$version"
[ -d "$modroot" ] || { echo "make-initramfs: no modules in $modroot; run fetch-kernel.sh first" >&2; exit 1; }

# The package ships no modules.dep; depmod makes one for the unpacked tree.
[ -f "$modroot/modules.dep" ] || depmod -b "$kernel_dir/root" "$version"

# Load order: every dependency before the module that needs it, each module once.
declare -A module_path=() module_deps=() emitted=()
while IFS=: read -r path deps; do
  name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
  module_path[$name]=$path
  module_deps[$name]=$deps
done <"$modroot/modules.dep"
order=()
visit() {
  local name=${1//-/_}
  [ -n "${emitted[$name]:-}" ] && return
  [ -n "${module_path[$name]:-}" ] || { echo "make-initramfs: module $1 not in the kernel package" >&2; exit 1; }
  emitted[$name]=1
  local dep
  for dep in ${module_deps[$name]}; do
    dep=${dep##*/}; visit "${dep%%.ko*}"
  done
  order+=("${module_path[$name]}")
}
for m in "${modules[@]}"; do visit "$m"; done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,etc,lib/modules/"$version"}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$init_script" "$stage/init"
for path in "${order[@]}"; do
  mkdir -p "$stage/lib/modules/$version/$(dirname "$path")"
  case "$path" in
    *.ko.xz) xz -dc "$modroot/$path" >"$stage/lib/modules/$version/${path%.xz}"; path=${path%.xz} ;;
    *) cp "$modroot/$path" "$stage/lib/modules/$version/$path" ;;
  esac
  echo "/lib/modules/$version/$path" >>"$stage/etc/modules.order"
done
(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) >"$output.partial"
mv "$output.partial" "$output"
echo "make-initramfs: $output ($(stat -c %s "$output") bytes, ${#order[@]} modules)"
