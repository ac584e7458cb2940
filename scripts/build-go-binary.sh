#!/usr/bin/env bash
# Build (or reuse) a test-only Go binary of this repo, cached outside the repo
# and keyed by its inputs. Used by scripts/build-apiserver.sh (the e2e
# kube-apiserver) and scripts/build-kube.sh (the real-node cluster's
# multi-call Kubernetes binary).
#
#   scripts/build-go-binary.sh NAME SOURCE_DIR   # prints the binary path on the last stdout line
#
# SOURCE_DIR is relative to the repo root and holds go.mod, go.sum and the
# package main's *.go files (no subpackages).
# Cache: ${HARBOR_E2E_CACHE:-$HOME/.cache/harbor-image-webhook}/NAME-<key>,
# key = sha256(go.mod, go.sum, each *.go in name order, `go version`, build recipe below).
# Both binaries pin the same k8s.io module versions, so the Go build cache of
# one serves the other.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail

name="${1:?usage: build-go-binary.sh NAME SOURCE_DIR}"
rel_src="${2:?usage: build-go-binary.sh NAME SOURCE_DIR}"
script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -- "${script_dir}/.." && pwd)"
src_dir="${repo_root}/${rel_src}"
cache_dir="${HARBOR_E2E_CACHE:-${HOME}/.cache/harbor-image-webhook}"

log() { printf 'build-%s: %s\n' "${name}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null 2>&1 ||
  die "'go' not found on PATH. Install Go >= 1.24 (https://go.dev/dl/) and re-run; it is needed to build ${name}."

for f in go.mod go.sum; do
  [[ -f "${src_dir}/${f}" ]] || die "missing ${src_dir}/${f}"
done
mapfile -t go_files < <(cd "${src_dir}" && LC_ALL=C ls -- *.go | grep -v '_test\.go$')
((${#go_files[@]} > 0)) || die "no .go files in ${src_dir}"

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
# The same flags for every binary: compiled packages are shared through the
# Go build cache only when flags and environment match.
build_flags=(-trimpath -buildvcs=false -mod=readonly -ldflags "${ldflags}")
recipe="CGO_ENABLED=0 GOWORK=off go build ${build_flags[*]}"

go_version="$(go version)"
key="$(
  {
    for f in go.mod go.sum "${go_files[@]}"; do
      printf '== %s\n' "${f}"
      cat "${src_dir}/${f}"
    done
    printf '== go version\n%s\n== recipe\n%s\n' "${go_version}" "${recipe}"
  } | sha256 | cut -c1-16
)"
bin="${cache_dir}/${name}-${key}"

if [[ -x "${bin}" ]]; then
  log "cache hit"
  printf '%s\n' "${bin}"
  exit 0
fi

mkdir -p "${cache_dir}"
tmp="$(mktemp "${cache_dir}/.${name}-build.XXXXXX")"
trap 'rm -f "${tmp}"' EXIT

log "cache miss: building ${name} ${k8s_version} (${go_version}) -> ${bin}"
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
find "${cache_dir}" -maxdepth 1 -type f -name "${name}-????????????????" ! -name "${name}-${key}" -print -delete |
  sed "s/^/build-${name}: removed old /" >&2 || true

printf '%s\n' "${bin}"
