#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the fixtures, the API tables and the README's
# configuration example. The corpora are not committed; run this before `cargo fuzz run`.
# Running it again refreshes the seeds and keeps what the fuzzer added.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures
corpus=corpus
mkdir -p "$corpus/rust_pipeline" "$corpus/go_pipeline" "$corpus/suppress_config"

# `fixtures/rust/some-rule/fires.rs` becomes `some-rule-fires.rs`.
seed() {
  local target=$1 file=$2
  cp "$file" "$corpus/$target/$(echo "${file#"$fixtures"/*/}" | tr / -)"
}
find "$fixtures/rust" -name '*.rs' | while read -r file; do seed rust_pipeline "$file"; done
find "$fixtures/go" -name '*.go' | while read -r file; do seed go_pipeline "$file"; done
# Suppression comments: every fixture that has one.
grep -rlE 'ctxlint:|nolint' "$fixtures" | while read -r file; do seed suppress_config "$file"; done

# Configurations: each API table as an `[api]` section, and the README's example.
for table in ../rules/*/*.toml; do
  language=$(basename "$(dirname "$table")")
  name=$(basename "$table" .toml)
  { echo "[api.$language.$name]"; cat "$table"; } >"$corpus/suppress_config/api-$language-$name.toml"
done
awk '/^```toml$/ { inside = 1; next } /^```$/ { inside = 0 } inside' ../README.md \
  >"$corpus/suppress_config/readme.toml"
