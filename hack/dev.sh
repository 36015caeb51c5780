#!/usr/bin/env bash
# `make dev`: local control plane + CRDs + the operator + the example, then show what the operator did.
# `make dev-down` (hack/dev.sh down) stops the operator and the control plane.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DEV=.dev
KCFG=$DEV/kubeconfig
NODE=$ROOT/node_modules/.bin/node
KUBECTL=$(hack/tools.sh path kubectl)
k() { "$KUBECTL" --kubeconfig "$KCFG" "$@"; }

stop_operator() {
  if [ -f $DEV/operator.pid ] && kill -0 "$(cat $DEV/operator.pid)" 2>/dev/null; then
    kill -TERM "$(cat $DEV/operator.pid)"
    for _ in $(seq 50); do kill -0 "$(cat $DEV/operator.pid)" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f $DEV/operator.pid
}

if [ "${1:-up}" = down ]; then
  stop_operator
  "$NODE" dist/test/harness/cluster-cli.js down --dir $DEV/cluster
  exit 0
fi

"$NODE" dist/test/harness/cluster-cli.js up --dir $DEV/cluster
k apply -f crds/ >/dev/null
k wait --for=condition=Established crd/instancesettings.posthog-operator.dev crd/instancestaffs.posthog-operator.dev --timeout=60s >/dev/null

stop_operator
"$NODE" dist/src/cli/main.js run --kubeconfig "$KCFG" --metrics-port 18080 --metrics-host 127.0.0.1 --lease-namespace default >$DEV/operator.log 2>&1 &
echo $! >$DEV/operator.pid
echo "operator running (pid $(cat $DEV/operator.pid), logs $DEV/operator.log, metrics http://127.0.0.1:18080/metrics)"

k apply -f examples/instancesettings.yaml
k -n posthog wait --for=condition=Ready instancesettings/posthog --timeout=90s >/dev/null
# The controller manager creates the new ReplicaSets shortly after the annotation lands.
sleep 2

echo; echo "== kubectl get instancesettings,instancestaff -n posthog -o wide"
k -n posthog get instancesettings,instancestaff -o wide
echo; echo "== ConfigMap posthog-settings (instance settings, no restart needed)"
k -n posthog get configmap posthog-settings -o jsonpath='{.data}'; echo
echo; echo "== ConfigMap posthog-env (environment-only settings, for envFrom)"
k -n posthog get configmap posthog-env -o jsonpath='{.data}'; echo
echo; echo "== Secret posthog-secrets (keys only)"
k -n posthog get secret posthog-secrets -o jsonpath='{.data}' | sed -E 's/:"[^"]*"/:"<redacted>"/g'; echo
echo; echo "== Target workloads and their env hash"
k -n posthog get deploy -o custom-columns='NAME:.metadata.name,ENV-HASH:.spec.template.metadata.annotations.posthog-operator\.dev/env-hash'
echo; echo "== Events"
k -n posthog get events --field-selector involvedObject.kind=InstanceSettings -o custom-columns='TYPE:.type,REASON:.reason,MESSAGE:.message'
cat <<MSG

Try it:  export KUBECONFIG=$ROOT/$KCFG   (kubectl: $KUBECTL)
  kubectl -n posthog patch instancesettings posthog --type merge -p '{"spec":{"settings":{"EMAIL_PORT":2525}}}'   # no rollout
  kubectl -n posthog patch instancesettings posthog --type merge -p '{"spec":{"env":{"SITE_URL":"https://ph.example.org"}}}'   # one rollout
  kubectl -n posthog get rs
Stop everything with: make dev-down
MSG
