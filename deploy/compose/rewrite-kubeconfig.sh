#!/bin/sh
# Waits for the kubeconfig k3s writes (K3S_KUBECONFIG_OUTPUT), and copies it with its server address changed from
# https://127.0.0.1:6443, which is right only inside the k3s container, to https://k3s:6443, the k3s service's name
# on the compose network (k3s runs with --tls-san=k3s, so its certificate is valid for that name).
#   rewrite-kubeconfig.sh <k3s kubeconfig> <output> [seconds to wait, default 300]
set -eu
in="$1"
out="$2"
wait="${3:-300}"

waited=0
until [ -s "$in" ]; do
  if [ "$waited" -ge "$wait" ]; then
    echo "k3s wrote no kubeconfig at $in within ${wait}s" >&2
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done

sed -e 's#https://127\.0\.0\.1:6443#https://k3s:6443#' -e 's#https://localhost:6443#https://k3s:6443#' "$in" > "$out.tmp"
if ! grep -q 'server: https://k3s:6443' "$out.tmp"; then
  echo "no server address to rewrite in $in" >&2
  rm -f "$out.tmp"
  exit 1
fi
# Readable by the aggregator's non-root user (UID 1654).
chmod 0644 "$out.tmp"
mv "$out.tmp" "$out"
echo "kubeconfig for the compose network written to $out"
