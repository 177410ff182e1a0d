#!/usr/bin/env bash
# Fetches Debian's current amd64 kernel package with apt, unpacks it (not installed) and extracts
# an uncompressed vmlinux. Cached: does nothing when DIR already holds the current version.
# Usage: fetch-kernel.sh DIR
# Leaves: DIR/vmlinux, DIR/root (the unpacked package: lib/modules/VERSION/...), DIR/version.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"

# linux-image-amd64 is a metapackage; it depends on the versioned image, e.g. linux-image-6.1.0-56-amd64.
image_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
package=$(image_package)
if [ -z "$package" ] && [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq >/dev/null && package=$(image_package)
fi
[ -n "$package" ] || {
  echo "fetch-kernel: apt knows no linux-image-amd64; run 'apt-get update' (as root) and retry" >&2; exit 1; }

version=${package#linux-image-}
if [ -f "$dir/version" ] && [ "$(cat "$dir/version")" = "$version" ] && [ -s "$dir/vmlinux" ]; then
  echo "fetch-kernel: $package already in $dir"
  exit 0
fi

rm -rf "$dir/download" "$dir/root" "$dir/vmlinux" "$dir/version"
mkdir -p "$dir/download"
# apt-get download writes into the current directory. As root it warns that the download is not
# sandboxed (the _apt user cannot write here); that is harmless.
if ! (cd "$dir/download" && apt-get download -q "$package" >download.log 2>&1); then
  cat "$dir/download/download.log" >&2
  echo "fetch-kernel: 'apt-get download $package' failed (log above); is the network or mirror reachable?" >&2
  exit 1
fi
dpkg-deb -x "$dir"/download/"$package"_*.deb "$dir/root"
"$here/extract-vmlinux.sh" "$dir/root/boot/vmlinuz-$version" "$dir/vmlinux"
rm -rf "$dir/download"  # the unpacked tree and vmlinux are the cache
echo "$version" >"$dir/version"
echo "fetch-kernel: $package ready in $dir"
