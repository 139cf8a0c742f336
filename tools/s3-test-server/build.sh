#!/usr/bin/env bash
# Builds versitygw, an S3-compatible server (Apache-2.0), through the Go module proxy into the
# cache (once), for the tests of Corral's S3 snapshot store; prints the binary's path.
#   CORRAL_CACHE_DIR=/var/cache/corral tools/s3-test-server/build.sh
set -euo pipefail
version=v1.8.0
cache_root=${CORRAL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/corral}
bin_dir="$cache_root/versitygw-$version"
if [ ! -x "$bin_dir/versitygw" ]; then
  command -v go >/dev/null || { echo "tools/s3-test-server: Go is needed to build versitygw $version" >&2; exit 1; }
  mkdir -p "$bin_dir"
  # two test workers asking at once: one builds, the other waits for it (it built twice at once)
  exec 9>"$bin_dir.lock"
  flock 9
  if [ ! -x "$bin_dir/versitygw" ]; then
    echo "tools/s3-test-server: building versitygw $version into $bin_dir (a few minutes the first time)" >&2
    GOBIN="$bin_dir" GOFLAGS=-trimpath go install "github.com/versity/versitygw/cmd/versitygw@$version" >&2
  fi
fi
echo "$bin_dir/versitygw"
