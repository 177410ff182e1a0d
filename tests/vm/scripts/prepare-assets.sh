#!/usr/bin/env bash
# Prepares what every VM test boots: DIR/vmlinux (Debian's kernel, via apt, cached) and
# DIR/base.cpio (busybox + modules + INIT). Usage: prepare-assets.sh DIR INIT_SCRIPT
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DIR INIT_SCRIPT" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/fetch-kernel.sh" "$1/kernel"
ln -sf kernel/vmlinux "$1/vmlinux"
"$here/make-initramfs.sh" "$1/kernel" "$2" "$1/base.cpio"
