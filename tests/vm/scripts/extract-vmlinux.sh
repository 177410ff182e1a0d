#!/usr/bin/env bash
# Extracts the uncompressed ELF kernel (vmlinux) from a compressed x86 bzImage (vmlinuz).
# Usage: extract-vmlinux.sh VMLINUZ OUTPUT
#
# Why: under TCG the kernel's own decompressor is slow (3.5-5.5 s here); QEMU boots an
# uncompressed ELF vmlinux directly (PVH entry) in about half the time.
#
# How: a bzImage is a small setup program followed by the compressed kernel. We look for every
# compression format's magic bytes in the file, and at each place one appears, try to decompress
# from there with the system's tool; the first result that is an ELF file is the kernel.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 VMLINUZ OUTPUT" >&2; exit 2; }
input=$1
output=$2
[ -r "$input" ] || { echo "extract-vmlinux: cannot read $input" >&2; exit 1; }

is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

# format name, magic bytes (as a grep -P pattern), decompressor command reading stdin.
formats=(
  "xz|\xfd7zXZ\x00|xz -dc"
  "gzip|\x1f\x8b\x08|gzip -dc"
  "zstd|\x28\xb5\x2f\xfd|zstd -dcq"
  "lzma|\x5d\x00\x00\x00|xz -dc --format=lzma"
  "bzip2|BZh|bzip2 -dc"
  "lz4|\x02\x21\x4c\x18|lz4 -dc"
  "lzo|\x89\x4c\x5a\x4f|lzop -dc"
)

tmp="$output.partial"
trap 'rm -f "$tmp"' EXIT
for entry in "${formats[@]}"; do
  IFS='|' read -r name magic tool <<<"$entry"
  command -v "${tool%% *}" >/dev/null || continue
  # Byte offsets of each occurrence of the magic (grep -b counts from 0).
  offsets=$(LC_ALL=C grep -obUaP "$magic" "$input" | cut -d: -f1 || true)
  for offset in $offsets; do
    # A decompressor complains about trailing data after the stream; the output is still whole.
    tail -c +"$((offset + 1))" "$input" | $tool >"$tmp" 2>/dev/null || true
    if [ -s "$tmp" ] && is_elf "$tmp"; then
      mv "$tmp" "$output"
      echo "extract-vmlinux: $name stream at byte $offset -> $output ($(stat -c %s "$output") bytes)"
      exit 0
    fi
  done
done
echo "extract-vmlinux: no compressed ELF kernel found in $input (tried: xz gzip zstd lzma bzip2 lz4 lzo)" >&2
exit 1
