#!/usr/bin/env bash
# Whole process against whole process (issue 16): `check` in both modes and `kubectl diff --server-side` on the same
# N manifests (half ConfigMaps, half Deployments) in a fresh namespace. Prints seconds and the kubectl/check ratio.
# Server mode twice: cold (an empty dry-run cache) and warm (the second check finds the first one's dry-runs).
# Usage: bench/check-vs-kubectl.sh KUBECONFIG KUBECTL [N...]   (default N: 200 1000; run `npm run build` first)
set -euo pipefail
kc=$1 kubectl=$2; shift 2
sizes=("$@"); [ $# -eq 0 ] && sizes=(200 1000)
root=$(cd "$(dirname "$0")/.." && pwd)
secs() { local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; echo "$(date +%s.%N) - $t0" | bc; }
for n in "${sizes[@]}"; do
  ns="bench-$n-$RANDOM" dir=$(mktemp -d)
  for ((i = 0; i < n; i++)); do
    if ((i % 2)); then
      printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d, namespace: %s}\ndata: {N: "%d"}\n' "$i" "$ns" "$i"
    else
      printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d, namespace: %s}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: d%d}}\n  template:\n    metadata: {labels: {app: d%d}}\n    spec: {containers: [{name: c, image: "nginx:1.27"}]}\n' "$i" "$ns" "$i" "$i"
    fi
    echo "---"
  done >"$dir/objects.yaml"
  "$kubectl" --kubeconfig "$kc" create namespace "$ns" >/dev/null
  "$kubectl" --kubeconfig "$kc" apply --server-side --field-manager=confighub -f "$dir/objects.yaml" >/dev/null
  check=(node "$root/bin/drift-detector.js" check --source "$dir" --kubeconfig "$kc" --output json)
  export DRIFT_DETECTOR_CACHE="$dir/cache" # cold: no dry-runs from earlier runs
  server=$(secs "${check[@]}" --mode server)
  warm=$(secs "${check[@]}" --mode server)
  client=$(secs "${check[@]}" --mode client)
  diff=$(secs "$kubectl" --kubeconfig "$kc" diff --server-side --field-manager=confighub -f "$dir/objects.yaml")
  ratio() { echo "$diff / $1" | bc -l; }
  printf '%5d objects: kubectl diff %6.2fs | server cold %6.2fs (%.1fx) | server warm %6.2fs (%.1fx) | client %6.2fs (%.1fx)\n' \
    "$n" "$diff" "$server" "$(ratio "$server")" "$warm" "$(ratio "$warm")" "$client" "$(ratio "$client")"
  "$kubectl" --kubeconfig "$kc" delete namespace "$ns" --wait=false >/dev/null
  rm -rf "$dir"
done
