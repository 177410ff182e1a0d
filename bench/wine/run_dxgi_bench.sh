#!/usr/bin/env bash
# The dxgi capture path under Wine at 1080p and 4K, beside memcpy (bench/wine/dxgi_bench.cpp).
#   bench/wine/run_dxgi_bench.sh [BUILD_DIR] [FRAMES]
# BUILD_DIR is the windows cross-build with KAGAMI_WINE_TESTS=ON: build/default/windows (what the
# default build makes) by default, or build/windows after
# `cmake --preset windows -DKAGAMI_WINE_TESTS=ON && cmake --build build/windows --target dxgi_bench`.
# A private Xvfb and a fresh Wine prefix, removed at the end, as the Wine tests do. Not in CTest:
# timings depend on the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/default/windows}
frames=${2:-30}
exe="$build/bench/wine/dxgi_bench.exe"
[ -f "$exe" ] || { echo "no $exe: build the dxgi_bench target first" >&2; exit 1; }
work=$(mktemp -d /tmp/kagami-dxgi-bench-XXXXXX)
shm_name="kagami-dxgi-bench-$$"
xvfb_pid=""
cleanup() {
  set +e
  [ -d "$work/prefix" ] && timeout 30 wineserver -k 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$work" "/dev/shm/$shm_name"
}
trap cleanup EXIT

Xvfb -displayfd 3 -screen 0 640x480x24 -noreset -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(head -n1 "$work/display")"
export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
timeout 120 wineboot --init >"$work/wineboot.log" 2>&1
timeout 120 wineserver -w
truncate -s 64M "/dev/shm/$shm_name"  # a 4K BGRA frame is 31.6 MiB
timeout 300 wine "$exe" "Z:\\dev\\shm\\$shm_name" "$frames"
