#!/usr/bin/env bash
# Builds CoreDNS (with its default plugin set, which includes `kubernetes`) from the Go module
# proxy (no git clone) into a cache outside the checkout, keyed by the version and this recipe,
# and prints the directory that holds the `coredns` binary. Progress goes to stderr; stdout is
# only the path. Kept apart from build.sh so that its hash does not key the Kubernetes cache.
#
#   tools/kube-build/build-coredns.sh
#   CORRAL_CACHE_DIR=/var/cache/corral tools/kube-build/build-coredns.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COREDNS_VERSION=v1.15.0

say() { printf '[coredns-build] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go ≥ 1.26 (the machine's Go 1.26.8 works)"

recipe=$(sha256sum "$here/build-coredns.sh" | cut -c1-12)
cache_root=${CORRAL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/corral}
out="$cache_root/coredns-bin/coredns-${COREDNS_VERSION}_${recipe}"
bin="$out/bin"

if [ -x "$bin/coredns" ] && [ -f "$out/manifest.json" ]; then
  echo "$bin"
  exit 0
fi
if [ -n "${CORRAL_KUBE_BUILD_CHECK_ONLY:-}" ]; then
  say "no CoreDNS build at $bin; run 'npm run -s kube:bin-dir' to build it (about 4 minutes cold on 2 cores)"
  exit 1
fi

mkdir -p "$cache_root/coredns-bin"
exec 9>"$cache_root/coredns-bin/.lock"
if ! flock -n 9; then
  say "another build holds $cache_root/coredns-bin/.lock; waiting for it"
  flock 9
  if [ -x "$bin/coredns" ] && [ -f "$out/manifest.json" ]; then echo "$bin"; exit 0; fi
fi

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
m=github.com/coredns/coredns
work="$out/work"
mkdir -p "$bin"
rm -rf "$work" && mkdir -p "$work"
started=$(date +%s)

gomod=$(go mod download -json "$m@$COREDNS_VERSION" | sed -nE 's/^\t"GoMod": "(.*)",?$/\1/p')
[ -f "$gomod" ] || die "the Go module proxy did not give $m@$COREDNS_VERSION"
(cd "$work" && go mod init corral.local/coredns-build >/dev/null 2>&1 && go mod edit -require="$m@$COREDNS_VERSION")
# upstream's own replace directives apply only inside its module: copy them into the wrapper
sed -nE 's#^[[:space:]]*(replace[[:space:]]+)?([^[:space:]()]+)([[:space:]]+[^[:space:]]+)?[[:space:]]+=>[[:space:]]+([^[:space:]]+)[[:space:]]+([^[:space:]]+)$#\2 \4@\5#p' "$gomod" |
  while read -r old new; do (cd "$work" && go mod edit -replace="$old=$new"); done

say "CoreDNS $COREDNS_VERSION: building (cold on 2 cores: about 4 minutes; a warm Go build cache: seconds)"
(cd "$work" && go build -mod=mod -trimpath \
  -ldflags "-s -w -X $m/coremain.GitCommit=module-proxy-$COREDNS_VERSION" \
  -o "$bin/coredns" "$m") >&2 || die "building CoreDNS failed (output above)"

printf '{\n  "coredns": "%s",\n  "recipe": "%s",\n  "builtAt": "%s",\n  "buildSeconds": %d,\n  "sha256": "%s"\n}\n' \
  "$COREDNS_VERSION" "$recipe" "$(date -u +%FT%TZ)" "$(($(date +%s) - started))" "$(sha256sum "$bin/coredns" | cut -d' ' -f1)" \
  >"$out/manifest.json"
say "complete in $(($(date +%s) - started)) s: $bin"
echo "$bin"
