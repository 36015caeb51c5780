#!/usr/bin/env bash
# Builds (once per machine) the control-plane binaries this project tests against, from the Go
# wrapper modules under tools/, into a cache outside the repository keyed by component and version.
#   hack/tools.sh build        build whatever is missing, print nothing else
#   hack/tools.sh path NAME    print the cached path of one binary (building it if missing)
#   hack/tools.sh env          print shell assignments for every binary path
#   hack/tools.sh regenerate   rewrite tools/kubernetes/go.mod's replace list from the published go.mod
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K8S_VERSION=v1.37.2
# The etcd and helm versions are whatever their wrapper modules require, so go.mod stays the one place to bump them.
mod_version() { awk -v m="$2" '$1 == m {print $2; exit}' "$ROOT/tools/$1/go.mod"; }
ETCD_VERSION=$(mod_version etcd go.etcd.io/etcd/server/v3)
HELM_VERSION=$(mod_version helm helm.sh/helm/v4)
CACHE=${POSTHOG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/posthog-settings-operator}/bin

export GOFLAGS="${GOFLAGS:--p=2}" CGO_ENABLED=0 GOTOOLCHAIN=local

log() { echo "tools: $*" >&2; }

bin_path() {
  case "$1" in
    kube-apiserver|kube-controller-manager|kubectl) echo "$CACHE/$1/$K8S_VERSION/$1" ;;
    etcd) echo "$CACHE/etcd/$ETCD_VERSION/etcd" ;;
    helm) echo "$CACHE/helm/$HELM_VERSION/helm" ;;
    *) echo "unknown binary: $1" >&2; return 2 ;;
  esac
}

# Write to a temp file and rename, so an interrupted build never leaves a truncated binary in the cache.
go_build() { # <module dir> <output> <package> [ldflags]
  local dir=$1 out=$2 pkg=$3 ldflags=${4:-}
  mkdir -p "$(dirname "$out")"
  local start=$SECONDS
  log "building $(basename "$out") ($pkg) -> $out"
  (cd "$ROOT/tools/$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.partial" "$pkg")
  mv "$out.partial" "$out"
  log "built $(basename "$out") in $((SECONDS - start))s"
}

k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local p=k8s.io/component-base/version
  # Without these stamps /version reports v0.0.0-master and kubectl warns about version skew.
  echo "-X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean" \
       "-X $p.buildDate=1970-01-01T00:00:00Z -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION" \
       "-X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
}

ensure() {
  local name=$1 out
  out=$(bin_path "$name")
  [ -x "$out" ] && return 0
  case "$name" in
    kube-apiserver|kube-controller-manager|kubectl)
      go_build kubernetes "$out" "k8s.io/kubernetes/cmd/$name" "$(k8s_ldflags)" ;;
    etcd) go_build etcd "$out" go.etcd.io/etcd/server/v3 ;;
    helm)
      go_build helm "$out" helm.sh/helm/v4/cmd/helm \
        "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean" ;;
  esac
}

ALL=(etcd kube-apiserver kube-controller-manager kubectl helm)

regenerate() {
  # The staging modules are required at v0.0.0 in k8s.io/kubernetes's go.mod; as a dependency
  # their replace lines are ignored, so we mirror them at the matching published tag.
  local stg="v0.${K8S_VERSION#v1.}" gomod
  cd "$ROOT/tools/kubernetes"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": *"\([^"]*\)".*/\1/p')
  # Start from no replaces, so a staging module that a release dropped does not linger.
  for m in $(awk '$1 == "replace" {print $2}' go.mod); do go mod edit -dropreplace="$m"; done
  grep -E '^[[:space:]]+k8s\.io/[^ ]+ v0\.0\.0$' "$gomod" | awk '{print $1}' | while read -r m; do
    go mod edit "-replace=$m=$m@$stg"
  done
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION" -godebug=default=go1.26 \
    -tool=k8s.io/kubernetes/cmd/kube-apiserver -tool=k8s.io/kubernetes/cmd/kube-controller-manager \
    -tool=k8s.io/kubernetes/cmd/kubectl
  go mod tidy
}

case "${1:-build}" in
  build) for b in "${ALL[@]}"; do ensure "$b"; done ;;
  path) ensure "$2"; bin_path "$2" ;;
  env)
    for b in "${ALL[@]}"; do ensure "$b"; v=$(echo "$b" | tr 'a-z-' 'A-Z_'); echo "${v}_BIN=$(bin_path "$b")"; done ;;
  regenerate) regenerate ;;
  *) echo "usage: $0 build|path NAME|env|regenerate" >&2; exit 2 ;;
esac
