#!/usr/bin/env bash
# Installs the Debian packages steppe needs to build and test.
# Idempotent and non-interactive: it runs `apt-get update` only when a
# package is missing, and does nothing at all when everything is present.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libraft-dev libuv1-dev libmsgpack-dev libmicrohttpd-dev
  check libsubunit-dev libjansson-dev libcurl4-openssl-dev uuid-dev libssl-dev
  uthash-dev libbsd-dev libarchive-dev
  clang libclang-rt-14-dev
  jq python3 procps curl openjdk-17-jdk-headless
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q </dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
