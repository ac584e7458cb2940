#!/usr/bin/env bash
# Build (or reuse) the real-node cluster's multi-call Kubernetes binary
# (test/cluster/kube: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy), cached outside the repo.
#
#   scripts/build-kube.sh        # prints the binary path on the last stdout line
#
# Cache: ${HARBOR_E2E_CACHE:-$HOME/.cache/harbor-image-webhook}/kube-node-<key>
# (see scripts/build-go-binary.sh). A cold build takes ~12-15 minutes on 2
# cores, about 1 minute when the e2e kube-apiserver was built first (shared
# Go build cache), instant on a cache hit.
set -euo pipefail
exec bash "$(dirname -- "${BASH_SOURCE[0]}")/build-go-binary.sh" kube-node test/cluster/kube
