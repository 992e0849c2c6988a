#!/usr/bin/env bash
# Installs the Go corpus of docs/precision.md with apt and prints its source directories, one
# per line: Debian's golang-*-dev packages (gin and its dependencies, plus popular servers,
# clients and tools, with everything they depend on) under /usr/share/gocode/src, and the Go
# standard library of golang-src.
#
#   bash benches/go-corpus.sh
set -euo pipefail

packages=(
    golang-github-gin-gonic-gin-dev
    golang-etcd-server-dev
    golang-google-grpc-dev
    golang-github-grpc-ecosystem-go-grpc-middleware-dev
    golang-github-grpc-ecosystem-grpc-gateway-dev
    golang-github-prometheus-common-dev
    golang-golang-x-tools-dev
    golang-github-go-kit-kit-dev
    golang-github-spf13-viper-dev
    golang-github-coreos-go-systemd-dev
    golang-github-rcrowley-go-metrics-dev
    golang-github-klauspost-compress-dev
    golang-github-sirupsen-logrus-dev
    golang-github-magiconair-properties-dev
    golang-github-onsi-ginkgo-dev
    golang-src
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

echo /usr/share/gocode/src
# golang-src depends on the versioned source package, which unpacks to /usr/share/go-<version>.
ls -d /usr/share/go-[0-9]*/src | sort -V | tail -n 1
