#!/usr/bin/env bash
# Prints the source directory of every package in the benchmark corpus, one per line.
#
#   bash benches/corpus-dirs.sh [--fraction 1/4|1/2|1]
#
# The corpus is the dependency graph of benches/corpus/Cargo.toml, pinned by its Cargo.lock.
# `cargo fetch` brings every package's source into cargo's registry cache (for all targets);
# `cargo metadata` then tells where each one was unpacked. The corpus package itself is left
# out. With --fraction 1/N the packages are sorted by name and version and every N-th one,
# starting with the first, is printed, so a subset is the same on every machine and the 1/4
# subset is contained in the 1/2 one.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="$here/corpus/Cargo.toml"

fraction="1"
while [ $# -gt 0 ]; do
    case "$1" in
        --fraction)
            fraction="${2:?--fraction needs 1/4, 1/2 or 1}"
            shift 2
            ;;
        --fraction=*)
            fraction="${1#--fraction=}"
            shift
            ;;
        -h | --help)
            sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "corpus-dirs.sh: unknown argument: $1" >&2
            exit 2
            ;;
    esac
done

case "$fraction" in
    1 | 1/1) step=1 ;;
    1/2) step=2 ;;
    1/4) step=4 ;;
    *)
        echo "corpus-dirs.sh: --fraction must be 1/4, 1/2 or 1 (got $fraction)" >&2
        exit 2
        ;;
esac

# Progress and errors go to stderr so that stdout stays a clean list of directories.
cargo fetch --locked --manifest-path "$manifest" >&2

cargo metadata --format-version 1 --locked --manifest-path "$manifest" |
    python3 -c '
import json, os, sys

step = int(sys.argv[1])
meta = json.load(sys.stdin)
packages = [p for p in meta["packages"] if p.get("source")]  # the corpus package has none
packages.sort(key=lambda p: (p["name"], p["version"], p["source"]))
for index, package in enumerate(packages):
    if index % step == 0:
        print(os.path.dirname(package["manifest_path"]))
' "$step"
