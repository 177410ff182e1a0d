#!/usr/bin/env bash
# Renders a program's --help (and each subcommand's --help) as a man page with help2man, gzipped.
# Usage: man-from-help.sh PROGRAM VERSION "one-line description" OUTPUT.1.gz [SUBCOMMAND...]
set -euo pipefail
program=$1 version=$2 description=$3 output=$4
shift 4
include=$(mktemp)
trap 'rm -f "$include" "${output%.gz}"' EXIT
for sub in "$@"; do
  # help2man's include format: a [section] header, then roff text. Indent the help as a literal block.
  { echo "[SUBCOMMAND $sub]"; echo ".nf"; "$program" "$sub" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'; echo ".fi"; } >>"$include"
done
# Hand-written sections (KEYS, FILES, SEE ALSO...) beside this script: PROGRAM.h2m.
extra="$(dirname "$0")/$(basename "$program").h2m"
[ -f "$extra" ] && cat "$extra" >>"$include"
# help2man rejects an empty include file (a program without subcommands).
include_option=()
[ -s "$include" ] && include_option=(--include="$include")
help2man --no-info --no-discard-stderr --version-string="$version" --name="$description" \
  "${include_option[@]}" --output="${output%.gz}" "$program"
gzip -9n -c "${output%.gz}" >"$output"
