#!/usr/bin/env bash
# Builds the Debian packages with CPack into a temp dir, unpacks each into a throwaway root with
# `dpkg -x`, and runs the programs from there: they must start (--help) with only the package's files
# and the dependencies the package declares. Usage: package_test.sh BUILD_DIR PROGRAM...
set -euo pipefail
build_dir=$1
shift
work=$(mktemp -d /tmp/kagami-package-XXXXXX)
trap 'rm -rf "$work"' EXIT

(cd "$build_dir" && cpack -G DEB -B "$work/cpack" -D CPACK_OUTPUT_FILE_PREFIX="$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; exit 1; }

for program in "$@"; do
  debs=("$work/out/${program}"_*.deb)
  deb=${debs[0]}
  [ -f "$deb" ] || { echo "no $program package in $work/out:" >&2; ls "$work/out" >&2; exit 1; }
  echo "--- $deb"
  dpkg-deb -f "$deb" Package Depends
  root="$work/root-$program"
  dpkg -x "$deb" "$root"
  "$root/usr/bin/$program" --help >"$work/help.txt"
  grep -q "Usage: $program" "$work/help.txt" || { echo "$program --help from the package said:" >&2; cat "$work/help.txt" >&2; exit 1; }
  man=$root/usr/share/man/man1/$program.1.gz
  [ -s "$man" ] || { echo "missing man page $man" >&2; exit 1; }
  zcat "$man" | grep -q "^\.TH \"\?$(echo "$program" | tr a-z A-Z)" || { echo "$man is not a man page" >&2; exit 1; }
  # Debian policy: a machine-readable copyright file under the package's own doc directory.
  copyright=$root/usr/share/doc/$program/copyright
  [ -s "$copyright" ] || { echo "missing $copyright" >&2; exit 1; }
  head -1 "$copyright" | grep -q "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" ||
    { echo "$copyright is not in the Debian copyright format" >&2; exit 1; }
  # Every shared library the binary needs resolves on this system (the declared Depends).
  if ldd "$root/usr/bin/$program" | grep -q "not found"; then ldd "$root/usr/bin/$program" >&2; exit 1; fi
  case $program in
    kagami-setup)
      "$root/usr/bin/kagami-setup" size 1920x1080 | grep -q "32 MiB"
      grep -qx "f /dev/shm/looking-glass 0660 root kvm -" "$root/usr/lib/tmpfiles.d/kagami-looking-glass.conf"
      dpkg-deb -f "$deb" Recommends | grep -q libvirt-clients ;;
    kagami-agent)
      unit=$root/usr/lib/systemd/system/kagami-agent.service
      [ -f "$unit" ] || { echo "missing $unit" >&2; exit 1; }
      grep -qx 'ExecStart=/usr/bin/kagami-agent $KAGAMI_AGENT_ARGS' "$unit"
      # The unit checked by systemd itself, pointing at the package's own binary.
      if command -v systemd-analyze >/dev/null; then
        mkdir "$work/unit"
        sed "s|/usr/bin/kagami-agent|$root/usr/bin/kagami-agent|" "$unit" >"$work/unit/kagami-agent.service"
        systemd-analyze verify --man=no "$work/unit/kagami-agent.service"
      fi
      # Into a variable first: `grep -q` closing the pipe early would fail the pipeline (pipefail).
      description=$(dpkg-deb -f "$deb" Description)
      grep -q "systemctl enable --now kagami-agent" <<<"$description" ;;
    kagami-client)
      desktop=$root/usr/share/applications/kagami-client.desktop
      [ -f "$desktop" ] || { echo "missing $desktop" >&2; exit 1; }
      if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi ;;
  esac
done
if [ "${KAGAMI_EXPECT_WINDOWS_INSTALLER:-0}" = 1 ]; then
  exe=$work/out/kagami-agent-setup.exe
  [ -f "$exe" ] || { echo "the Windows installer is not beside the .debs:" >&2; ls "$work/out" >&2; exit 1; }
  [ "$(head -c 2 "$exe")" = MZ ] || { echo "$exe is not a Windows executable" >&2; exit 1; }
  echo "--- $exe"
fi
echo PASS
