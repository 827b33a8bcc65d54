#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use as real peers
# (Apache's server, C client, CLI tools, kazoo, PHP, valgrind), only when missing.
set -euo pipefail
packages=(zookeeper libzookeeper-mt-dev zookeeper-bin python3-kazoo php-dev php-cli valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
