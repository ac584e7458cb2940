#!/usr/bin/env bash
# Generates charts/harbor-image-webhook/README.md from README.md.gotmpl and the `# --`
# comments of values.yaml with helm-docs (github.com/norwoodj/helm-docs), the generator most
# Helm charts use. helm-docs is a Go program: it is built once from the Go module proxy at
# the pinned version below and cached outside the repository, as scripts/build-go-binary.sh
# does for the test binaries.
#
#   scripts/helm-docs.sh            # rewrites the chart README (npm run docs:chart)
#   scripts/helm-docs.sh --stdout   # prints the README it would write, changing nothing
#   scripts/helm-docs.sh --path     # builds helm-docs if needed; prints its path
#
# Cache: ${HARBOR_E2E_CACHE:-$HOME/.cache/harbor-image-webhook}/helm-docs-<version>-<go version>.
# Progress goes to stderr; stdout carries only what the mode prints.
set -euo pipefail

version="v1.14.2"
root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
chart_dir="${root}/charts/harbor-image-webhook"
cache_dir="${HARBOR_E2E_CACHE:-${HOME}/.cache/harbor-image-webhook}"

log() { printf 'helm-docs: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mode="${1:-write}"
case "${mode}" in
  write | --stdout | --path) ;;
  *) die "unknown option ${mode}; usage: scripts/helm-docs.sh [--stdout | --path]" ;;
esac

command -v go >/dev/null 2>&1 ||
  die "'go' not found on PATH. Install Go >= 1.22 (https://go.dev/dl/): helm-docs is built from source."

go_version="$(go env GOVERSION)"
bin="${cache_dir}/helm-docs-${version}-${go_version}"
if [[ ! -x "${bin}" ]]; then
  mkdir -p "${cache_dir}"
  gobin="$(mktemp -d "${cache_dir}/.helm-docs-build.XXXXXX")"
  trap 'rm -rf "${gobin}"' EXIT
  log "building github.com/norwoodj/helm-docs ${version} with ${go_version} (about a minute, once)"
  # GOTOOLCHAIN=local: build with the Go on PATH, never download another toolchain.
  GOBIN="${gobin}" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath \
    go install "github.com/norwoodj/helm-docs/cmd/helm-docs@${version}" >&2 ||
    die "go install github.com/norwoodj/helm-docs/cmd/helm-docs@${version} failed"
  # mv within one file system is atomic: a concurrent run never sees half a binary.
  mv -f "${gobin}/helm-docs" "${bin}"
fi

if [[ "${mode}" == "--path" ]]; then
  printf '%s\n' "${bin}"
  exit 0
fi

# File order keeps the table in the order values.yaml tells its story; the template file
# holds the prose around the generated table.
args=(--chart-search-root "${chart_dir}" --template-files README.md.gotmpl
  --sort-values-order file --log-level warning)
if [[ "${mode}" == "--stdout" ]]; then
  "${bin}" "${args[@]}" --dry-run
else
  "${bin}" "${args[@]}"
  log "wrote ${chart_dir#"${root}/"}/README.md"
fi
