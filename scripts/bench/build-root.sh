#!/bin/sh
# Builds the checkout into a separate root (default /tmp/bench-root) so the benchmarks can run
# against a private dist/ while others keep working in the checkout:
#   scripts/bench/build-root.sh [DIR] && node scripts/bench/run.js --root DIR
# tsc emits even when some file has type errors; those are reported on stderr.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-/tmp/bench-root}
mkdir -p "$root"
rm -rf "$root/dist"
(cd "$here" && npx tsc -p tsconfig.json --outDir "$root/dist") >&2 || echo "build-root: tsc reported errors (output still emitted)" >&2
# bin/ is copied, not linked: Node resolves a linked main script to its real path, whose ../dist is the checkout's.
rm -rf "$root/bin" && cp -r "$here/bin" "$root/bin"
for f in samples schema examples node_modules package.json; do
  [ -e "$here/$f" ] && ln -sfn "$here/$f" "$root/$f"
done
node "$here/scripts/help-snapshot.mjs" "$root" >&2 || echo "build-root: no help snapshot (dmaown --help takes the full CLI)" >&2
node "$here/scripts/bundle.mjs" "$root" >&2 || echo "build-root: no bundle (dmaown runs tsc's output)" >&2
echo "$root"
