#!/usr/bin/env bash
# One Windows-agent scenario under Wine on a private Xvfb (ctest label `wine`).
#   run_wine_test.sh SCENARIO AGENT_EXE READER WORK_DIR
# The agent is the real kagami-agent.exe: the shared agent loop (src/agent) with the Windows backends.
# Scenarios: capture (dxgi E_NOTIMPL, auto falls back to gdi, frames pixel-exact against the X
# root; a too small region gives TRUNCATED frames), no_ivshmem (--help, usage errors = 2, the
# documented error and exit code 3), service (install/start/stop/uninstall, registry, the agent
# launched by the service publishes, restart after a crash), installer (the NSIS installer,
# silent install and uninstall), dxgi (dxgi_wine_test.exe: the dxgi backend in the agent loop
# against a scripted IDXGIOutputDuplication on real D3D11 textures; tests/wine/windows), multimon
# (two monitors: Xvfb split with `xrandr --setmonitor`, Wine told to read them through Xinerama;
# one agent serves --output 0 and --output \\.\DISPLAY2 into two regions, each pixel-exact against
# its monitor's part of the X root, with its output record and the pointer relative to it; the
# same for a monitor left of the primary (negative coordinates); then dxgi_wine_test.exe
# --second-output: the dxgi backend's record and pointer for output 1).
# Every run: a fresh WINEPREFIX under WORK_DIR, WINEDEBUG=-all, `timeout` on each wine call,
# `wineserver -k` and removal of the prefix, the Xvfb and the /dev/shm file at the end.
set -euo pipefail
scenario=$1 agent=$2 reader=$3 work_root=$4
mkdir -p "$work_root"
work=$(mktemp -d "$work_root/$scenario-XXXXXX")
shm_name="kagami-wine-$scenario-$$-$RANDOM"
shm_file=/dev/shm/$shm_name
shm_wine="Z:\\dev\\shm\\$shm_name"
xvfb_pid=""

cleanup() {
  set +e
  [ -d "$work/prefix" ] && timeout 30 wineserver -k 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$work" "$shm_file" "$shm_file-small" "$shm_file-2"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -n "${service_log:-}" ] && [ -f "$service_log" ] && { echo "--- $service_log:" >&2; cat "$service_log" >&2; }
  exit 1
}
step() { echo "--- $*"; }

# A private X server: -displayfd picks a free display number.
screen=640x480x24
[ "$scenario" = multimon ] && screen=1600x600x24
Xvfb -displayfd 3 -screen 0 "$screen" -noreset -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=":$(head -n1 "$work/display")"

export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
step "fresh Wine prefix on $DISPLAY"
timeout 120 wineboot --init >"$work/wineboot.log" 2>&1 || fail "wineboot --init: $(tail -5 "$work/wineboot.log")"
timeout 120 wineserver -w
truncate -s 32M "$shm_file"

# Runs the agent; its exit code in $rc, its output in $work/$1.log.
run_agent() {
  local log=$1; shift
  rc=0
  timeout 60 wine "$agent" "$@" >"$work/$log.log" 2>&1 || rc=$?
  cat "$work/$log.log"
}

case "$scenario" in
  capture)
    step "--capture dxgi: Desktop Duplication does not exist under Wine"
    run_agent dxgi --shm "$shm_wine" --capture dxgi
    [ "$rc" -eq 1 ] || fail "--capture dxgi exited with $rc, expected 1"
    grep -q "E_NOTIMPL" "$work/dxgi.log" || fail "no E_NOTIMPL in the dxgi error"

    step "--capture auto: falls back to gdi; frames pixel-exact against the X root; cursor position"
    timeout 90 wine "$agent" --shm "$shm_wine" --capture auto >"$work/auto.log" 2>&1 &
    agent_pid=$!
    "$reader" "$shm_file" --changes 2 --timeout 40 --expect-capture gdi --pointer 500,100 \
      || { cat "$work/auto.log"; fail "reader"; }
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
    cat "$work/auto.log"
    grep -q "dxgi unavailable.*E_NOTIMPL.*falling back to gdi" "$work/auto.log" || fail "no fallback log line"

    step "a region too small for the screen: TRUNCATED frames, the rows that fit pixel-exact"
    small_file="$shm_file-small"
    truncate -s 5M "$small_file"  # after 3 MiB of cursor shapes, ~400 of 480 rows fit
    timeout 90 wine "$agent" --shm "$shm_wine-small" --capture gdi >"$work/small.log" 2>&1 &
    agent_pid=$!
    "$reader" "$small_file" --changes 1 --timeout 40 --expect-truncated \
      || { cat "$work/small.log"; fail "reader (truncated)"; }
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
    cat "$work/small.log"
    grep -q "the shared memory is too small for 640x480" "$work/small.log" || fail "no size advice in the log"
    ;;

  no_ivshmem)
    step "--help names the Windows options; usage errors are exit code 2"
    run_agent help --help
    [ "$rc" -eq 0 ] || fail "--help exited with $rc"
    for option in --shm --device ivshmem --capture dxgi gdi --output --gpu --fps-max; do
      grep -q -- "$option" "$work/help.log" || fail "--help does not mention $option"
    done
    step "neither --shm nor --device: the first IVSHMEM device, and there is none under Wine"
    run_agent no_shm --capture gdi
    [ "$rc" -eq 3 ] || fail "no --shm: exit code $rc, expected 3"
    grep -q "no IVSHMEM device found: install the virtio-win IVSHMEM driver" "$work/no_shm.log" || fail "no --shm: message"
    run_agent both --shm 'Z:\dev\shm\x' --device ivshmem --capture gdi
    [ "$rc" -eq 2 ] || fail "--shm with --device: exit code $rc, expected 2"
    step "--device ivshmem without a device (the Linux agent's option name)"
    run_agent device --device ivshmem --capture gdi
    [ "$rc" -eq 3 ] || fail "--device ivshmem: exit code $rc, expected 3"
    grep -q "no IVSHMEM device found: install the virtio-win IVSHMEM driver" "$work/device.log" || fail "--device message"
    run_agent bad_capture --shm ivshmem --capture x11
    [ "$rc" -eq 2 ] || fail "--capture x11: exit code $rc, expected 2"

    step "--shm ivshmem without a device"
    run_agent ivshmem --shm ivshmem --capture gdi
    [ "$rc" -eq 3 ] || fail "exit code $rc, expected 3"
    grep -q "no IVSHMEM device found: install the virtio-win IVSHMEM driver" "$work/ivshmem.log" || fail "message"
    step "--shm ivshmem:64M: a malformed or missing choice is the same error"
    run_agent ivshmem_size --shm ivshmem:64M --capture gdi
    [ "$rc" -eq 3 ] || fail "exit code $rc, expected 3"
    step "--shm with a missing file"
    run_agent missing --shm 'Z:\dev\shm\kagami-does-not-exist' --capture gdi
    [ "$rc" -eq 3 ] || fail "exit code $rc, expected 3"
    grep -q "the file must exist" "$work/missing.log" || fail "message for a missing file"
    ;;

  service)
    key='HKLM\System\CurrentControlSet\Services\kagami-agent'
    step "install (registers and starts the service)"
    run_agent install install --capture gdi --shm "$shm_wine"
    [ "$rc" -eq 0 ] || fail "install exited with $rc"
    timeout 30 wine reg query "$key" /v ImagePath >"$work/reg.txt" 2>&1 || fail "no service key: $(cat "$work/reg.txt")"
    cat "$work/reg.txt"
    grep -q "kagami-agent.exe\" service --capture gdi --shm Z:.*$shm_name" "$work/reg.txt" \
      || fail "ImagePath does not carry the agent options"
    timeout 30 wine reg query "$key" /v Start | grep -q "0x2" || fail "the service does not start automatically"

    step "the agent launched by the service publishes pixel-exact frames"
    "$reader" "$shm_file" --changes 1 --timeout 40 --expect-capture gdi || fail "reader (service-launched agent)"

    service_log="$WINEPREFIX/drive_c/ProgramData/kagami/kagami-agent.log"
    grep -q "service: started the agent" "$service_log" || fail "no launch line in $service_log"
    step "the agent is restarted after a crash"
    pid=$(grep -o "started the agent (pid [0-9]*" "$service_log" | tail -n1 | grep -o "[0-9]*$")
    timeout 30 wine taskkill /f /pid "$pid" >/dev/null 2>&1 || fail "taskkill $pid"
    for _ in $(seq 100); do [ "$(grep -c "service: started the agent" "$service_log")" -ge 2 ] && break; sleep 0.1; done
    [ "$(grep -c "service: started the agent" "$service_log")" -ge 2 ] || fail "the agent was not restarted"
    "$reader" "$shm_file" --changes 1 --timeout 40 --expect-capture gdi || fail "reader after the restart"

    step "stop and uninstall"
    timeout 60 wine net stop kagami-agent || fail "net stop"
    # Wine's `net stop` may return before the service's last lines are written: give it 10 s.
    for _ in $(seq 100); do grep -q "service: stopped" "$service_log" && break; sleep 0.1; done
    grep -q "service: stopped" "$service_log" || fail "the service did not log its stop"
    # The agent was asked to stop (SIGTERM through the stop event) and finished on its own.
    grep -q "service: the agent stopped cleanly" "$service_log" || fail "the agent did not stop cleanly"
    grep -q "published [0-9]* of [0-9]* captured frames" "$service_log" || fail "the agent's own exit line is missing"
    run_agent uninstall uninstall
    [ "$rc" -eq 0 ] || fail "uninstall exited with $rc"
    if timeout 30 wine reg query "$key" >/dev/null 2>&1; then fail "the service key is still there"; fi
    cat "$service_log"
    ;;

  installer)
    setup="$(dirname "$agent")/../../packaging/windows/kagami-agent-setup.exe"
    [ -f "$setup" ] || fail "no installer at $setup (is nsis installed?)"
    key='HKLM\System\CurrentControlSet\Services\kagami-agent'
    step "silent install with /SHM"
    timeout 120 wine "$setup" /S "/SHM=$shm_wine" || fail "the installer exited with $?"
    installed="$WINEPREFIX/drive_c/Program Files/kagami"
    [ -f "$installed/kagami-agent.exe" ] && [ -f "$installed/uninstall.exe" ] || fail "files not in $installed"
    grep -q "^Copyright: " "$installed/copyright.txt" || fail "no copyright.txt in $installed"
    timeout 30 wine reg query "$key" /v ImagePath >"$work/reg.txt" 2>&1 || fail "no service key"
    cat "$work/reg.txt"
    grep -q 'Program Files\\kagami\\kagami-agent.exe" service --shm' "$work/reg.txt" || fail "ImagePath"
    timeout 30 wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\kagami-agent' \
      /v DisplayName >/dev/null 2>&1 || fail "not registered in Apps & features"
    step "the installed service's agent publishes pixel-exact frames"
    "$reader" "$shm_file" --changes 1 --timeout 40 || fail "reader (installed agent)"
    step "silent uninstall"
    # The uninstaller copies itself to %TEMP% and returns at once (as for a user): wait for it.
    timeout 60 wine "$installed/uninstall.exe" /S || fail "the uninstaller exited with $?"
    for _ in $(seq 300); do [ -f "$installed/kagami-agent.exe" ] || break; sleep 0.1; done
    [ ! -f "$installed/kagami-agent.exe" ] || fail "kagami-agent.exe is still installed"
    if timeout 30 wine reg query "$key" >/dev/null 2>&1; then fail "the service key is still there"; fi
    ;;

  dxgi)
    test_exe="$(dirname "$agent")/../../tests/wine/windows/dxgi_wine_test.exe"
    [ -f "$test_exe" ] || fail "no $test_exe (the windows build without KAGAMI_WINE_TESTS?)"
    step "the dxgi backend through the agent loop into the viewer (every case in one process)"
    rc=0
    timeout 120 wine "$test_exe" >"$work/dxgi.log" 2>&1 || rc=$?
    cat "$work/dxgi.log"
    [ "$rc" -eq 0 ] || fail "dxgi_wine_test.exe exited with $rc"
    grep -q "^PASS" "$work/dxgi.log" || fail "no PASS line"
    ;;

  multimon)
    # Wine 8 reads monitors from RandR outputs and CRTCs, and Xvfb has one of each, so monitors
    # made with --setmonitor stay invisible to it (EnumDisplayMonitors: one). Told not to use
    # RandR, Wine asks Xinerama, which the X server answers with the RandR monitors: two.
    step "two monitors: LEFT 1000x600 at 0,0 (primary) and RIGHT 600x400 at 1000,0"
    xrandr --setmonitor LEFT 1000/260x600/160+0+0 screen >/dev/null || fail "xrandr --setmonitor LEFT"
    xrandr --setmonitor RIGHT 600/160x400/110+1000+0 none >/dev/null || fail "xrandr --setmonitor RIGHT"
    timeout 30 wine reg add 'HKCU\Software\Wine\X11 Driver' /v UseXRandR /t REG_SZ /d N /f >/dev/null 2>&1 \
      || fail "wine reg add UseXRandR"
    timeout 30 wineserver -k || true
    timeout 30 wineserver -w || true

    step "an output that does not exist: the error lists the two monitors Wine reports"
    run_agent missing_output --shm "$shm_wine" --capture gdi --output 5
    [ "$rc" -eq 1 ] || fail "--output 5 exited with $rc, expected 1"
    grep -q 'there is no output #5' "$work/missing_output.log" || fail "no 'there is no output' message"
    grep -q '#0 \\\\.\\DISPLAY1' "$work/missing_output.log" || fail "DISPLAY1 not listed"
    grep -q '#1 \\\\.\\DISPLAY2' "$work/missing_output.log" || fail "DISPLAY2 not listed"

    step "one agent, two outputs (by index and by device name), each into its own region"
    truncate -s 32M "$shm_file-2"
    timeout 120 wine "$agent" --capture gdi --output 0 --shm "$shm_wine" \
      --output '\\.\DISPLAY2' --shm "$shm_wine-2" >"$work/multi.log" 2>&1 &
    agent_pid=$!
    "$reader" "$shm_file" --crop 0,0,1000,600 --changes 1 --timeout 40 --expect-capture gdi --pointer 500,100 \
      --expect-output '\\.\DISPLAY1 0 0 1000 600 0 2 0 0 1600 600' || { cat "$work/multi.log"; fail "reader (output 0)"; }
    "$reader" "$shm_file-2" --crop 1000,0,600,400 --changes 1 --timeout 40 --expect-capture gdi --pointer 1300,200 \
      --move-pointer 77,66 \
      --expect-output '\\.\DISPLAY2 1000 0 600 400 1 2 0 0 1600 600' || { cat "$work/multi.log"; fail "reader (output 1)"; }
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
    cat "$work/multi.log"
    grep -q 'serving 2 outputs' "$work/multi.log" || fail "the agent did not serve two outputs"
    grep -q 'gdi: capturing monitor \\\\.\\DISPLAY2 (600x400 at 1000,0)' "$work/multi.log" || fail "no DISPLAY2 log line"

    step "dxgi --output 1 (dxgi_wine_test.exe; Wine cannot duplicate, so FakeDesktop's duplication): the record"
    test_exe="$(dirname "$agent")/../../tests/wine/windows/dxgi_wine_test.exe"
    rc=0
    timeout 120 wine "$test_exe" --second-output >"$work/dxgi.log" 2>&1 || rc=$?
    cat "$work/dxgi.log"
    [ "$rc" -eq 0 ] || fail "dxgi_wine_test.exe --second-output exited with $rc"
    grep -q "^PASS" "$work/dxgi.log" || fail "no PASS line"

    step "RIGHT made the primary: Wine puts LEFT at -1000,0; its region shows it, its record says so"
    xrandr --delmonitor RIGHT >/dev/null || fail "xrandr --delmonitor RIGHT"
    xrandr --setmonitor '*RIGHT' 600/160x400/110+1000+0 none >/dev/null || fail "xrandr --setmonitor *RIGHT"
    timeout 30 wineserver -k || true
    timeout 30 wineserver -w || true
    timeout 120 wine "$agent" --capture gdi --output '\\.\DISPLAY2' --shm "$shm_wine" >"$work/left.log" 2>&1 &
    agent_pid=$!
    "$reader" "$shm_file" --crop 0,0,1000,600 --changes 1 --timeout 40 --pointer 500,100 --move-pointer 77,66 \
      --expect-output '\\.\DISPLAY2 -1000 0 1000 600 1 2 -1000 0 1600 600' || { cat "$work/left.log"; fail "reader (left of the primary)"; }
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
    cat "$work/left.log"
    ;;

  *) fail "unknown scenario $scenario" ;;
esac
echo "PASS: $scenario"
