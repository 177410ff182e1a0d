#!/usr/bin/env bash
# kagami-setup libvirt on a real, unprivileged libvirt session daemon (qemu:///session): a run
# with --for 2560x1440 prints its --apply command, which run as printed defines the edited domain
# through virsh (64 MiB, the same --shm), the domain starts under QEMU (TCG, no disk:
# SeaBIOS just idles), QEMU creates the ivshmem backing file with the size kagami-setup chose, and
# `doctor --domain` finds nothing missing. As root the daemon runs as `nobody` (session daemons
# are for ordinary users); otherwise as the current user.
set -euo pipefail
setup_bin=$1
for tool in libvirtd virsh qemu-system-x86_64; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps setup" >&2; exit 1; }
done

work=$(mktemp -d /tmp/kagami-libvirt-XXXXXX)
name=kagami-session-$$
shm=/dev/shm/$name
daemon_pid=
cleanup() {
  as_user virsh -c qemu:///session destroy "$name" >/dev/null 2>&1 || true
  as_user virsh -c qemu:///session undefine "$name" >/dev/null 2>&1 || true
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work" "$shm"
}
trap cleanup EXIT

if [ "$(id -u)" -eq 0 ]; then
  chown nobody:nogroup "$work"
  chmod 755 "$work"
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
else
  run_as=()
fi
user_env=(env -i HOME="$work" XDG_RUNTIME_DIR="$work/run" XDG_CONFIG_HOME="$work/config"
          XDG_CACHE_HOME="$work/cache" PATH=/usr/sbin:/usr/bin:/sbin:/bin)
as_user() { "${run_as[@]}" "${user_env[@]}" "$@"; }
as_user mkdir -m 700 "$work/run"
# The checkout may not be readable by `nobody` (e.g. under /root): run a copy from the work dir.
cp "$setup_bin" "$work/kagami-setup"
chmod 755 "$work/kagami-setup"
setup_bin=$work/kagami-setup

cat >"$work/base.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>$(command -v qemu-system-x86_64)</emulator></devices>
</domain>
XML
chmod a+r "$work/base.xml"

# Not through the as_user function: setpriv and env exec, so $! is libvirtd's own pid.
"${run_as[@]}" "${user_env[@]}" libvirtd --timeout 60 >"$work/libvirtd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$work/run/libvirt/libvirt-sock" ] && break; sleep 0.1; done
[ -S "$work/run/libvirt/libvirt-sock" ] || { echo "libvirtd did not start:" >&2; cat "$work/libvirtd.log" >&2; exit 1; }

echo "--- kagami-setup libvirt (shows the changes and the command that applies them)"
as_user "$setup_bin" libvirt "$name" --connect qemu:///session --xml "$work/base.xml" --shm "$shm" --for 2560x1440 \
  | tee "$work/show.out"
apply=$(sed -n 's/^Nothing was changed. Apply it with: //p' "$work/show.out")
case "$apply" in
  "kagami-setup libvirt "*" --apply") ;;
  *) echo "no runnable --apply command printed: '$apply'" >&2; exit 1 ;;
esac

echo "--- the printed command, run as printed: $apply"
# The printed words exactly (they are shell-quoted), with this build's binary for `kagami-setup`.
eval "as_user \"\$setup_bin\" ${apply#kagami-setup }" | tee "$work/apply.out"
grep -q "the new XML is a valid libvirt domain" "$work/apply.out"
grep -q "^Defined" "$work/apply.out"
grep -q "sudo kagami-setup shm --path $shm --for 2560x1440" "$work/apply.out"

echo "--- the defined domain has the devices"
as_user virsh -c qemu:///session dumpxml "$name" >"$work/defined.xml"
grep -q "<shmem name='$name'>" "$work/defined.xml"
grep -q "<model type='ivshmem-plain'/>" "$work/defined.xml"
grep -q "<channel type='spicevmc'>" "$work/defined.xml"
grep -q "<size unit='M'>64</size>" "$work/defined.xml" || { echo "the --apply command did not define 64 MiB" >&2; exit 1; }

echo "--- start it"
as_user virsh -c qemu:///session start "$name"
state=$(as_user virsh -c qemu:///session domstate "$name")
state=${state%%$'\n'*}
[ "$state" = running ] || { echo "domain state: $state" >&2; exit 1; }
size=$(stat -c %s "$shm")
[ "$size" -eq 67108864 ] || { echo "$shm is $size bytes, expected 64 MiB (2560x1440)" >&2; exit 1; }
qemu_log=$(find "$work" -name "$name.log" | head -n1)
grep -q "ivshmem-plain" "$qemu_log" || { echo "QEMU's command line ($qemu_log) lacks ivshmem-plain" >&2; exit 1; }

echo "--- doctor --domain finds the devices"
as_user "$setup_bin" doctor --shm "$shm" --domain "$name" --connect qemu:///session --log /dev/null \
  >"$work/doctor.out" || true
cat "$work/doctor.out"
grep -q "\[ ok \] libvirt: domain $name has every device kagami needs" "$work/doctor.out"
grep -q "\[ ok \] region: $shm is 64 MiB" "$work/doctor.out"

echo "--- Looking Glass's way (--gpu-only): no tablet, <video><model type='none'/>, and doctor accepts it"
as_user "$setup_bin" libvirt "$name" --connect qemu:///session --shm "$shm" --for 2560x1440 --gpu-only --apply \
  >"$work/gpu-only.out"
as_user virsh -c qemu:///session dumpxml --inactive "$name" >"$work/gpu-only.xml"
if grep -q "type='tablet'" "$work/gpu-only.xml"; then cat "$work/gpu-only.out" "$work/gpu-only.xml" >&2; echo "--gpu-only left the tablet" >&2; exit 1; fi
grep -q "<model type='none'/>" "$work/gpu-only.xml" || { echo "--gpu-only: no <model type='none'/>" >&2; exit 1; }
as_user "$setup_bin" doctor --shm "$shm" --domain "$name" --connect qemu:///session --log /dev/null \
  >"$work/doctor-gpu-only.out" || true
grep -q "\[ ok \] libvirt: domain $name has every device kagami needs (Looking Glass's way" "$work/doctor-gpu-only.out" \
  || { cat "$work/doctor-gpu-only.out" >&2; exit 1; }
echo PASS
