#!/usr/bin/env bash
# Prints the source directories of a second set of crates, kept apart from the benchmark
# corpus to check precision on code the rules were not tuned on (docs/precision.md): each
# application below is resolved on its own (some cannot share one lock file), fetched with
# cargo, and every package of its graph that is not in benches/corpus is printed.
#
#   bash benches/holdout-dirs.sh
#
# The scratch packages live in target/holdout/. Versions are the newest cargo resolves on the
# day, so the set drifts; the figures in docs/precision.md name the date they were taken.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scratch="$here/../target/holdout"
crates=(rathole dufs miniserve hickory-server rumqttd shadowsocks-service rustypaste
    kube-runtime pingora-core console-subscriber libp2p-swarm sccache)

source_dirs() {
    cargo metadata --format-version 1 --manifest-path "$1" |
        python3 -c '
import json, sys
for package in json.load(sys.stdin)["packages"]:
    if package.get("source"):
        print(package["manifest_path"].rsplit("/", 1)[0])
'
}

for crate in "${crates[@]}"; do
    mkdir -p "$scratch/$crate/src"
    : > "$scratch/$crate/src/lib.rs"
    printf '[package]\nname = "holdout-%s"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n%s = "*"\n' \
        "$crate" "$crate" > "$scratch/$crate/Cargo.toml"
    cargo fetch --manifest-path "$scratch/$crate/Cargo.toml" >&2 || echo "holdout-dirs.sh: could not fetch $crate" >&2
done

cargo fetch --locked --manifest-path "$here/corpus/Cargo.toml" >&2
comm -23 \
    <(for crate in "${crates[@]}"; do source_dirs "$scratch/$crate/Cargo.toml" 2> /dev/null || true; done | sort -u) \
    <(source_dirs "$here/corpus/Cargo.toml" | sort -u)
