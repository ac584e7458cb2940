#!/usr/bin/env bash
# Build (or reuse) the e2e kube-apiserver + embedded etcd binary from
# test/e2e/apiserver, cached outside the repo.
#
#   scripts/build-apiserver.sh            # prints the binary path on the last stdout line
#   HARBOR_E2E_CACHE=/some/dir scripts/build-apiserver.sh
#
# Cache: ${HARBOR_E2E_CACHE:-$HOME/.cache/harbor-image-webhook}/kube-apiserver-<key>,
# key = sha256(go.mod, go.sum, main.go, `go version`, build recipe below).
# A cold build takes ~15-20 minutes on 2 cores (about 20 s if only main.go changed
# and the Go build cache is warm); a cache hit is instant.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -- "${script_dir}/.." && pwd)"
src_dir="${repo_root}/test/e2e/apiserver"
cache_dir="${HARBOR_E2E_CACHE:-${HOME}/.cache/harbor-image-webhook}"

log() { printf 'build-apiserver: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null 2>&1 ||
  die "'go' not found on PATH. Install Go >= 1.24 (https://go.dev/dl/) and re-run; it is needed to build the e2e kube-apiserver."

for f in go.mod go.sum main.go; do
  [[ -f "${src_dir}/${f}" ]] || die "missing ${src_dir}/${f}"
done

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 | cut -d' ' -f1; }
else
  die "need sha256sum or shasum"
fi

# Stamp the binary with the Kubernetes version it is built from, as a
# release build would (otherwise it reports v0.0.0-master).
k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "${src_dir}/go.mod")"
[[ -n "${k8s_version}" ]] || die "cannot find the k8s.io/kubernetes version in ${src_dir}/go.mod"
k8s_minor="$(cut -d. -f2 <<<"${k8s_version}")"
vpkg="k8s.io/component-base/version"
ldflags="-s -w -X ${vpkg}.gitVersion=${k8s_version} -X ${vpkg}.gitMajor=1 -X ${vpkg}.gitMinor=${k8s_minor} -X ${vpkg}.gitTreeState=clean"
build_flags=(-trimpath -buildvcs=false -mod=readonly -ldflags "${ldflags}")
recipe="CGO_ENABLED=0 GOWORK=off go build ${build_flags[*]}"

go_version="$(go version)"
key="$(
  {
    for f in go.mod go.sum main.go; do
      printf '== %s\n' "${f}"
      cat "${src_dir}/${f}"
    done
    printf '== go version\n%s\n== recipe\n%s\n' "${go_version}" "${recipe}"
  } | sha256 | cut -c1-16
)"
bin="${cache_dir}/kube-apiserver-${key}"

if [[ -x "${bin}" ]]; then
  log "cache hit"
  printf '%s\n' "${bin}"
  exit 0
fi

mkdir -p "${cache_dir}"
tmp="$(mktemp "${cache_dir}/.kube-apiserver-build.XXXXXX")"
trap 'rm -f "${tmp}"' EXIT

log "cache miss: building kube-apiserver ${k8s_version} (${go_version}) -> ${bin}"
log "with a cold Go build cache this takes ~15-20 minutes on 2 cores (seconds when warm)"
start="$(date +%s)"
(
  cd "${src_dir}"
  CGO_ENABLED=0 GOWORK=off go build "${build_flags[@]}" -o "${tmp}" .
) >&2 || die "go build failed in ${src_dir}"
chmod 0755 "${tmp}"
mv -f "${tmp}" "${bin}"
trap - EXIT
log "built in $(($(date +%s) - start))s, $(du -h "${bin}" | cut -f1)"

# Drop binaries from older keys (in-progress temp files of other builds are left alone).
find "${cache_dir}" -maxdepth 1 -type f -name 'kube-apiserver-*' ! -name "kube-apiserver-${key}" -print -delete |
  sed 's/^/build-apiserver: removed old /' >&2 || true

printf '%s\n' "${bin}"
