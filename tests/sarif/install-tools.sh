#!/usr/bin/env bash
# Installs what tests/sarif.rs validates ctxlint's SARIF with, from the npm registry, into
# the directory given (under target/, never committed): the official SARIF 2.1.0 JSON schema
# (shipped in @microsoft/jest-sarif, MIT), the ajv validator with draft-04 support (the
# schema's draft) and Microsoft's SARIF multitool. Installs into a scratch directory and
# renames it, so an interrupted run leaves nothing half installed.
set -euo pipefail

target=${1:?usage: install-tools.sh DIR}
if ! command -v npm >/dev/null; then
  echo "error: npm is needed to fetch the SARIF schema and validators (apt-get install npm)" >&2
  exit 1
fi
scratch="$target.partial-$$"
rm -rf "$scratch"
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT

npm install --prefix "$scratch" --no-save --no-audit --no-fund --loglevel=error \
  ajv@8.20.0 ajv-draft-04@1.0.0 ajv-formats@3.0.1 @microsoft/sarif-multitool@5.7.0
# npm does not run the package's install script that marks the binary executable.
chmod u+x "$scratch/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool" 2>/dev/null || true

# Only the schema file is needed from jest-sarif, not its dependencies.
(cd "$scratch" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
tar -xzf "$scratch"/microsoft-jest-sarif-*.tgz -C "$scratch" --strip-components=3 \
  package/lib/schemas/sarif-2.1.0-rtm.5.json
rm "$scratch"/microsoft-jest-sarif-*.tgz

rm -rf "$target"
mv "$scratch" "$target"
trap - EXIT
