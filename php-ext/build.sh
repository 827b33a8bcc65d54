#!/bin/sh
# Builds the extension out of tree: php-ext/build.sh [BUILD_DIR] [ZOOKEEPER_PREFIX]
# BUILD_DIR defaults to /tmp/php-zookeeper-build; the prefix to the zkrs tree
# when its library is built, else /usr (Debian's libzookeeper-mt-dev).
# ZKRS_RELEASE_DIR: where the zkrs tree's library was built (default its
# target/release; the Makefile sets it from cargo's target directory).
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-/tmp/php-zookeeper-build}
prefix=$2
release=${ZKRS_RELEASE_DIR:-$here/../target/release}
if [ -z "$prefix" ]; then
	if [ -e "$release/libzookeeper_mt.so" ]; then prefix=$(cd "$here/.." && pwd); else prefix=/usr; fi
fi
# configure looks here first for the library.
if [ -e "$release/libzookeeper_mt.so" ]; then
	ZOOKEEPER_LIBDIR=$(cd "$release" && pwd)
	export ZOOKEEPER_LIBDIR
fi
rm -rf "$build"
mkdir -p "$build"
cp -r "$here"/config.m4 "$here"/*.c "$here"/*.h "$here"/tests "$build"/
cd "$build"
phpize >/dev/null
./configure --with-zookeeper="$prefix" >configure.log
make -j2 >make.log 2>&1 || { tail -30 make.log >&2; exit 1; }
echo "$build/modules/zookeeper.so"
