#!/usr/bin/env bash
# Builds the upstream Kubernetes, etcd and containerd binaries from the Go module proxy (no git
# clone) into a cache outside the checkout, keyed by the versions and this recipe, and prints the
# directory that holds them. Progress goes to stderr; stdout is only the path.
#
#   tools/kube-build/build.sh            # build when missing, print the bin dir
#   CORRAL_CACHE_DIR=/var/cache/corral tools/kube-build/build.sh
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every staging module
# (k8s.io/api, …) with ./staging/…, and etcd's modules replace each other with ../…. Each group is
# built from a wrapper module that requires the upstream modules and replaces every relative
# replace with the published module at the release's version, the list generated from the
# release's own go.mod files.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

say() { printf '[kube-build] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go ≥ 1.26 (the machine's Go 1.26.8 works)"
command -v sha256sum >/dev/null || die "sha256sum is missing (coreutils)"

recipe=$(cat "$here/build.sh" "$here/versions.env" | sha256sum | cut -c1-12)
cache_root=${CORRAL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/corral}
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_containerd-${CONTAINERD_VERSION}_${recipe}"
out="$cache_root/kube-bin/$key"
bin="$out/bin"

KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
ETCD_BINARIES=(etcd etcdctl etcdutl)
CONTAINERD_BINARIES=(containerd containerd-shim-runc-v2 ctr)
ALL_BINARIES=("${KUBE_BINARIES[@]}" "${ETCD_BINARIES[@]}" "${CONTAINERD_BINARIES[@]}")

complete() {
  [ -f "$out/manifest.json" ] || return 1
  for b in "${ALL_BINARIES[@]}"; do [ -x "$bin/$b" ] || return 1; done
}

if complete; then
  echo "$bin"
  exit 0
fi
if [ -n "${CORRAL_KUBE_BUILD_CHECK_ONLY:-}" ]; then
  say "no complete build at $bin; run 'npm run -s kube:bin-dir' to build it (about 10 minutes cold on 2 cores)"
  exit 1
fi

mkdir -p "$cache_root/kube-bin"
exec 9>"$cache_root/kube-bin/.lock"
if ! flock -n 9; then
  say "another build holds $cache_root/kube-bin/.lock; waiting for it"
  flock 9
  if complete; then echo "$bin"; exit 0; fi
fi

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
work="$out/work"
mkdir -p "$work" "$bin"
started=$(date +%s)

# Module directory and go.mod of a module version from the proxy (downloaded when missing).
mod_field() { go mod download -json "$1" | sed -nE "s/^\t\"$2\": \"(.*)\",?$/\1/p"; }

# "old-path version" lines: every relative replace in a go.mod, mapped to the published module at
# $2. Replaces that point at a FORBIDDEN_DEPENDENCY marker (etcd) stay out.
relative_replaces() {
  sed -nE 's#^[[:space:]]*(replace[[:space:]]+)?([^[:space:]]+)[[:space:]]+=>[[:space:]]+\.\.?/([^[:space:]]*)$#\2 \3#p' "$1" |
    grep -v FORBIDDEN_DEPENDENCY | awk -v v="$2" '{print $1, v}'
}

# Writes a wrapper module in $1 that requires "$2" (path@version words) and replaces per $3 (lines).
wrapper_module() {
  local dir=$1 requires=$2 replaces=$3 r
  mkdir -p "$dir"
  rm -f "$dir/go.mod" "$dir/go.sum"
  (cd "$dir" && go mod init corral.local/kube-build >/dev/null 2>&1)
  for r in $requires; do (cd "$dir" && go mod edit -require="$r"); done
  while read -r path version; do
    [ -n "$path" ] && (cd "$dir" && go mod edit -replace="$path=$path@$version")
  done <<<"$replaces"
}

estimate() { say "$1 (cold on 2 cores: about $2; a warm Go build cache: seconds)"; }

# go build is silent while it compiles: say every minute that it still runs
ticker() {
  local what=$1 t0=$SECONDS
  while sleep 60; do say "$what: still building, $(((SECONDS - t0) / 60)) min so far"; done
}
with_ticker() {
  local what=$1 pid status=0
  shift
  ticker "$what" &
  pid=$!
  "$@" || status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$status"
}

build_kubernetes() {
  say "Kubernetes $KUBERNETES_VERSION: reading its go.mod"
  local gomod info_time major minor
  gomod=$(mod_field "k8s.io/kubernetes@$KUBERNETES_VERSION" GoMod)
  [ -f "$gomod" ] || die "the Go module proxy did not give k8s.io/kubernetes@$KUBERNETES_VERSION"
  wrapper_module "$work/kubernetes" "k8s.io/kubernetes@$KUBERNETES_VERSION" \
    "$(relative_replaces "$gomod" "$KUBERNETES_STAGING_VERSION")"
  info_time=$(sed -nE 's/.*"Time":"([^"]+)".*/\1/p' "${gomod%.mod}.info")
  major=${KUBERNETES_VERSION#v}; major=${major%%.*}
  minor=${KUBERNETES_VERSION#v"$major".}; minor=${minor%%.*}
  local ld="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitCommit=module-proxy-$KUBERNETES_VERSION -X $pkg.gitTreeState=clean -X $pkg.buildDate=$info_time"
  done
  local pkgs=() b
  for b in "${KUBE_BINARIES[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  estimate "Kubernetes $KUBERNETES_VERSION: building ${KUBE_BINARIES[*]}" "7 minutes"
  with_ticker kubernetes sh -c 'cd "$1" && shift && exec go build -mod=mod -trimpath -ldflags "$@"' sh "$work/kubernetes" "$ld" -o "$bin/" "${pkgs[@]}" >&2
}

build_etcd() {
  say "etcd $ETCD_VERSION: reading its go.mod files"
  local mods=(go.etcd.io/etcd/server/v3 go.etcd.io/etcd/etcdctl/v3 go.etcd.io/etcd/etcdutl/v3) m requires="" replaces=""
  for m in "${mods[@]}"; do
    requires+=" $m@$ETCD_VERSION"
    replaces+=$(relative_replaces "$(mod_field "$m@$ETCD_VERSION" GoMod)" "$ETCD_VERSION")$'\n'
  done
  wrapper_module "$work/etcd" "$requires" "$(sort -u <<<"$replaces")"
  estimate "etcd $ETCD_VERSION: building ${ETCD_BINARIES[*]}" "1 minute"
  with_ticker etcd sh -c 'cd "$1" && shift && exec go build -mod=mod -trimpath -ldflags "$@"' sh "$work/etcd" "-s -w" -o "$work/etcd/out/" "${mods[@]}" >&2
  cp "$work/etcd/out/server" "$bin/etcd"
  cp "$work/etcd/out/etcdctl" "$bin/etcdctl"
  cp "$work/etcd/out/etcdutl" "$bin/etcdutl"
}

build_containerd() {
  local m=github.com/containerd/containerd/v2
  wrapper_module "$work/containerd" "$m@$CONTAINERD_VERSION" ""
  estimate "containerd $CONTAINERD_VERSION: building ${CONTAINERD_BINARIES[*]}" "1.5 minutes"
  local ld="-s -w -X $m/version.Version=$CONTAINERD_VERSION -X $m/version.Revision=module-proxy -X $m/version.Package=$m"
  local pkgs=() b
  for b in "${CONTAINERD_BINARIES[@]}"; do pkgs+=("$m/cmd/$b"); done
  with_ticker containerd sh -c 'cd "$1" && shift && exec go build -mod=mod -trimpath -ldflags "$@"' sh "$work/containerd" "$ld" -o "$bin/" "${pkgs[@]}" >&2
}

step() {
  local name=$1 t0=$SECONDS
  shift
  "$@" || die "building $name failed (output above). Re-run 'npm run -s kube:bin-dir' after fixing; the Go caches keep what was built"
  say "$name done in $((SECONDS - t0)) s"
}

step etcd build_etcd
step containerd build_containerd
step kubernetes build_kubernetes

{
  printf '{\n  "kubernetes": "%s",\n  "etcd": "%s",\n  "containerd": "%s",\n  "recipe": "%s",\n  "builtAt": "%s",\n  "buildSeconds": %d,\n  "binaries": {\n' \
    "$KUBERNETES_VERSION" "$ETCD_VERSION" "$CONTAINERD_VERSION" "$recipe" "$(date -u +%FT%TZ)" "$(($(date +%s) - started))"
  sep=""
  for b in "${ALL_BINARIES[@]}"; do
    printf '%s    "%s": "%s"' "$sep" "$b" "$(sha256sum "$bin/$b" | cut -d' ' -f1)"
    sep=$',\n'
  done
  printf '\n  }\n}\n'
} >"$out/manifest.json.tmp"
mv "$out/manifest.json.tmp" "$out/manifest.json"
say "complete in $(($(date +%s) - started)) s: $bin"
echo "$bin"
