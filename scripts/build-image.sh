#!/usr/bin/env bash
# `npm run image [-- --push REGISTRY/PROJECT/harbor-image-webhook:TAG]`: builds the shipped image
# from the repository's Dockerfile without a daemon (buildah, chroot isolation, vfs storage),
# as a user without Docker would, and optionally pushes it with skopeo.
#
# The Dockerfile's default bases (node:24-bookworm-slim, distroless nodejs24) live on Docker
# Hub and gcr.io, which this repository's CI cannot reach. So this script builds local
# stand-ins, offering what the Dockerfile needs of each, and passes them as build arguments:
#   build base:   Debian bookworm minbase (mmdebstrap) + node 24 + npm   (like node:24-bookworm-slim)
#   runtime base: libc6, libgcc-s1, libstdc++6 only (mmdebstrap extract) + /nodejs/bin/node,
#                 no shell, no package manager, a nonroot user 65532     (like distroless)
# node is the binary of the npm package `node` (a devDependency, the same Node 24 the tests
# run); it needs glibc >= 2.28, bookworm has 2.36. npm is the one running this script.
# Set BUILD_BASE / RUNTIME_BASE to use other bases (e.g. your mirror of the public ones).
#
# The bases are cached under ~/.cache/harbor-image-webhook (HARBOR_IMAGE_CACHE), keyed by
# their inputs (this script, node's and npm's versions); buildah's own storage lives there too,
# so a warm run rebuilds only the layers whose inputs changed. The built image is written as
# an OCI layout (printed on the last line) for skopeo to copy anywhere.
#
# The Dockerfile runs `npm ci` inside the build: buildah's chroot isolation shares the host's
# network, so the build reaches the npm registry as a user's `docker build` would (with the
# host's extra CA, see npm-ca below).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${HARBOR_IMAGE_CACHE:-$HOME/.cache/harbor-image-webhook}"
push=""
while (($# > 0)); do
  case "$1" in
    --push) push="${2:?--push needs a destination such as registry.example.com/team/harbor-image-webhook:0.1.0}"; shift 2 ;;
    *) echo "build-image: unknown argument $1 (usage: build-image.sh [--push REF])" >&2; exit 2 ;;
  esac
done

log() { echo "build-image: $*" >&2; }
for tool in buildah mmdebstrap skopeo; do
  command -v "$tool" >/dev/null 2>&1 || { log "'$tool' is required (bash test/cluster/install-host-packages.sh installs it)"; exit 1; }
done
if [[ "$(id -u)" != 0 ]]; then
  log "needs root (mmdebstrap and buildah's chroot isolation)"
  exit 1
fi

version="$(node -p 'require(process.argv[1]).version' "$root/package.json")"
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
node_bin="$root/node_modules/node/bin/node"
npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
storage=(--storage-driver vfs --root "$cache/buildah/root" --runroot "$cache/buildah/runroot")

if [[ -z "${BUILD_BASE:-}" || -z "${RUNTIME_BASE:-}" ]]; then
  [[ -x "$node_bin" ]] || { log "$node_bin not found: run npm ci (devDependency 'node')"; exit 1; }
  node_version="$("$node_bin" --version)"
  [[ "$node_version" == v24.* ]] || { log "$node_bin is $node_version, not Node 24"; exit 1; }
  npm_version="$(node -p 'require(process.argv[1]).version' "$npm_dir/package.json")"
  # Keyed by the recipe (the lines between the "bases" markers of this file) and the versions.
  key="$( { sed -n '/^  # --- bases: begin/,/^  # --- bases: end/p' "${BASH_SOURCE[0]}"; echo "$node_version $npm_version"; } | sha256sum | cut -c1-16)"
  base_dir="$cache/image-base-$key"
  mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  # --- bases: begin
  if [[ ! -f "$base_dir/done" ]]; then
    log "making the local bases (Debian bookworm, node $node_version, npm $npm_version) in $base_dir"
    rm -rf "$base_dir" && mkdir -p "$base_dir"
    # --skip=output/dev: no device nodes in a layer (the runtime provides /dev).
    mmdebstrap --quiet --variant=minbase --skip=output/dev \
      --customize-hook="install -D -m 0755 '$node_bin' \"\$1/usr/local/bin/node\"" \
      --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a '$npm_dir' \"\$1/usr/local/lib/node_modules/npm\"" \
      --customize-hook="ln -s ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\"" \
      --customize-hook="rm -rf \"\$1/var/cache/apt\"/*.bin \"\$1/var/lib/apt/lists\"/*" \
      bookworm "$base_dir/build.tar" "$mirror"
    # extract: unpack the packages only (no dpkg, no shell, no maintainer scripts), the way
    # distroless is assembled (extract runs extract hooks, not customize hooks); passwd/group give
    # uid 65532 its name, /tmp its sticky bit.
    mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,libstdc++6 --skip=output/dev \
      --extract-hook="install -D -m 0755 '$node_bin' \"\$1/nodejs/bin/node\"" \
      --extract-hook="printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > \"\$1/etc/passwd\"" \
      --extract-hook="printf 'root:x:0:\nnonroot:x:65532:\n' > \"\$1/etc/group\"" \
      --extract-hook="install -d -m 1777 \"\$1/tmp\" && install -d -o 65532 -g 65532 \"\$1/home/nonroot\"" \
      --extract-hook="rm -rf \"\$1/usr/share/doc\" \"\$1/usr/share/gcc\" \"\$1/usr/share/lintian\"" \
      bookworm "$base_dir/runtime.tar" "$mirror"
    touch "$base_dir/done"
  fi
  # --- bases: end
  # Imports a root filesystem tar as an image in buildah's storage, unless it is there.
  import_base() {
    local name="$1" tar="$2" path="$3"
    if ! buildah "${storage[@]}" inspect --type image "$name" >/dev/null 2>&1; then
      log "importing $tar as $name"
      local ctr
      ctr="$(buildah "${storage[@]}" from --quiet scratch)"
      buildah "${storage[@]}" add --quiet "$ctr" "$tar" / >/dev/null
      buildah "${storage[@]}" config --env "PATH=$path" "$ctr"
      buildah "${storage[@]}" commit --quiet --rm "$ctr" "$name" >/dev/null
    fi
  }
  BUILD_BASE="localhost/harbor-image-webhook-base/build:$key"
  RUNTIME_BASE="localhost/harbor-image-webhook-base/runtime:$key"
  import_base "$BUILD_BASE" "$base_dir/build.tar" /usr/local/bin:/usr/bin:/bin
  import_base "$RUNTIME_BASE" "$base_dir/runtime.tar" /nodejs/bin:/usr/bin:/bin
fi

# The npm registry may sit behind a TLS-inspecting proxy whose CA only the host trusts: hand the
# host's CA file to the build's npm as the optional npm-ca secret. The first of NODE_EXTRA_CA_CERTS
# (as here), npm's own `cafile` setting and the system bundle that exists is used, so a CI run
# whose environment lacks the variable still builds.
npm_ca="${NODE_EXTRA_CA_CERTS:-}"
if [[ ! -s "$npm_ca" ]]; then npm_ca="$(npm config get cafile 2>/dev/null || true)"; fi
if [[ ! -s "$npm_ca" ]]; then npm_ca=/etc/ssl/certs/ca-certificates.crt; fi
secrets=()
if [[ -s "$npm_ca" ]]; then secrets=(--secret "id=npm-ca,src=$npm_ca"); fi

# vfs keeps a full copy of every layer: past ~10 GB drop the dangling ones (the layer cache of
# older builds; the next build of changed sources is then a cold one).
if [[ -d "$cache/buildah/root" ]] && (($(du -s "$cache/buildah/root" | cut -f1) > 10 * 1024 * 1024)); then
  log "buildah storage over 10 GB: removing dangling images"
  buildah "${storage[@]}" rmi --prune >/dev/null || true
fi

image="localhost/harbor-image-webhook:$version"
layout="$cache/image-out/harbor-image-webhook"
# buildah with vfs takes ~2 min even when every step is cached (it copies each stage's root):
# skip it when the build context, the bases and the labels are those of the last build.
inputs="$(cd "$root" && {
  find Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json src scripts examples \
    -type f -print0 | sort -z | xargs -0 sha256sum
  echo "$BUILD_BASE $RUNTIME_BASE $version $revision"
} | sha256sum | cut -d' ' -f1)"
if [[ -f "$layout.inputs" && "$(cat "$layout.inputs")" == "$inputs" && -f "$layout/index.json" ]]; then
  log "image $image is up to date (same context, bases and revision): oci:$layout:$version"
  [[ -z "$push" ]] || skopeo copy --quiet "oci:$layout:$version" "docker://$push" >&2
  echo "oci:$layout:$version"
  exit 0
fi
log "buildah bud $image (BUILD_BASE=$BUILD_BASE RUNTIME_BASE=$RUNTIME_BASE)"
buildah "${storage[@]}" bud --quiet --isolation chroot --layers --pull-never \
  --build-arg "BUILD_BASE=$BUILD_BASE" --build-arg "RUNTIME_BASE=$RUNTIME_BASE" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  "${secrets[@]}" --tag "$image" --file "$root/Dockerfile" "$root" >&2

rm -rf "$layout" "$layout.inputs" && mkdir -p "$(dirname "$layout")"
buildah "${storage[@]}" push --quiet "$image" "oci:$layout:$version" >&2
echo "$inputs" >"$layout.inputs"
log "image $image, size $(du -sh "$layout" | cut -f1) compressed, OCI layout oci:$layout:$version"
if [[ -n "$push" ]]; then
  # skopeo uses your registry login (skopeo login / ~/.docker/config.json) and system CAs.
  skopeo copy --quiet "oci:$layout:$version" "docker://$push" >&2
  log "pushed docker://$push"
fi
echo "oci:$layout:$version"
