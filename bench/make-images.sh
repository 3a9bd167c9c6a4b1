#!/usr/bin/env bash
# Makes the benchmark images in bench/work/ (git-ignored, never committed). An image that
# already exists is left alone: delete it to make it again.
#
#   bench/make-images.sh [fat32|fat16|all]     (default: all)
#
#   fat32.img  1 GiB FAT32 superfloppy: 20,000 small files (0-128 KiB, text and random) in
#              nested directories, 4 x 100 MiB random files, long and non-ASCII names
#   fat16.img  256 MiB FAT16 superfloppy: 4,000 small files, 2 x 32 MiB, the same name set
#
# Each image comes with NAME.manifest.json: what went in (files, directories, bytes), from the
# generator, plus the tool versions. Deterministic: the tree is a function of the seed
# (bench/gen-tree.mjs), timestamps are fixed, TZ=UTC, and mkfs.fat runs with --invariant and a
# fixed volume id, so the same tool versions make the same bytes.
#
# Tools: mkfs.fat (dosfstools), mcopy (mtools), node. Set KEEP_TREE=1 to keep the source tree
# (bench/work/NAME.tree/) after the image is made.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work="$here/work"
mkdir -p "$work"

# UTF-8 locale: mtools converts Unix names to VFAT long names through the locale's charset.
export TZ=UTC LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 SOURCE_DATE_EPOCH=1700000000

for tool in mkfs.fat mcopy node; do
  command -v "$tool" > /dev/null || { echo "make-images: $tool not found (dosfstools, mtools, node)" >&2; exit 1; }
done

# make NAME FAT_BITS SIZE_MIB VOLID LABEL SEED SMALL LARGE LARGE_MIB
make() {
  local name=$1 bits=$2 mib=$3 volid=$4 label=$5 seed=$6 small=$7 large=$8 large_mib=$9
  local img="$work/$name.img" tree="$work/$name.tree" part="$work/$name.img.part"
  if [ -e "$img" ]; then
    echo "make-images: $img exists, skipped"
    return
  fi
  echo "make-images: $img: generating the tree (seed $seed, $small small files, $large x $large_mib MiB)"
  rm -rf "$tree" "$part"
  node "$here/gen-tree.mjs" --out "$tree" --seed "$seed" --small "$small" --large "$large" \
    --large-mib "$large_mib" > "$work/$name.tree.json"

  echo "make-images: $img: mkfs.fat -F $bits, ${mib} MiB; mcopy -s"
  local mkfs_version
  mkfs_version=$(mkfs.fat -C --invariant -F "$bits" -i "$volid" -n "$label" "$part" $((mib * 1024)) | head -1)
  # -s recursive, -m keep modification times, -Q stop at the first error. Entries are copied
  # in sorted order so that directory layout does not depend on readdir order.
  local entries=()
  while IFS= read -r -d '' e; do entries+=("$e"); done \
    < <(find "$tree" -mindepth 1 -maxdepth 1 -print0 | sort -z)
  mcopy -s -m -Q -i "$part" "${entries[@]}" ::/

  node -e '
    const [treeJson, bits, mib, mkfs, mtools] = process.argv.slice(1);
    const m = JSON.parse(require("fs").readFileSync(treeJson, "utf8"));
    const out = { fs: `fat${bits}`, sizeMiB: Number(mib), partitioning: "none", ...m,
      tools: { mkfs: mkfs.trim(), mtools: mtools.trim() } };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  ' "$work/$name.tree.json" "$bits" "$mib" "$mkfs_version" \
    "$(mcopy --version | head -1)" > "$work/$name.manifest.json"
  rm -f "$work/$name.tree.json"
  mv "$part" "$img"
  if [ "${KEEP_TREE:-0}" != 1 ]; then rm -rf "$tree"; fi
  echo "make-images: $img done: $(node -p 'const m = require(process.argv[1]); `${m.files} files, ${m.dirs} directories, ${m.bytes} bytes`' "$work/$name.manifest.json")"
}

what=${1:-all}
case "$what" in
  fat32 | fat16 | all) ;;
  *) echo "usage: make-images.sh [fat32|fat16|all]" >&2; exit 2 ;;
esac
if [ "$what" = all ] || [ "$what" = fat32 ]; then make fat32 32 1024 32323232 GBBENCH32 32 20000 4 100; fi
if [ "$what" = all ] || [ "$what" = fat16 ]; then make fat16 16 256 16161616 GBBENCH16 16 4000 2 32; fi
