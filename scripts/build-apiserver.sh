#!/usr/bin/env bash
# Build (or reuse) the e2e kube-apiserver + embedded etcd binary from
# test/e2e/apiserver, cached outside the repo.
#
#   scripts/build-apiserver.sh            # prints the binary path on the last stdout line
#   HARBOR_E2E_CACHE=/some/dir scripts/build-apiserver.sh
#
# Cache: ${HARBOR_E2E_CACHE:-$HOME/.cache/harbor-image-webhook}/kube-apiserver-<key>,
# key = sha256(go.mod, go.sum, main.go, `go version`, build recipe); see
# scripts/build-go-binary.sh.
# A cold build takes ~15-20 minutes on 2 cores (about 20 s if only main.go changed
# and the Go build cache is warm); a cache hit is instant.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail
exec bash "$(dirname -- "${BASH_SOURCE[0]}")/build-go-binary.sh" kube-apiserver test/e2e/apiserver
