#!/usr/bin/env bash
# Install the Debian packages the real-node cluster runs (test/cluster):
# the container runtime, CNI plugins, iptables for kube-proxy, the registry
# server standing in for Harbor, skopeo to push test images, socat to reach
# the apiserver from the host and htpasswd for the registry's users; buildah and
# mmdebstrap build the product's image without a daemon (npm run image). Idempotent:
# apt is only asked when something is missing. Needs root.
set -euo pipefail

packages=(containerd runc containernetworking-plugins iptables docker-registry skopeo socat apache2-utils buildah mmdebstrap)
# The command (or file) each package provides, to see what is missing without apt.
probes=(/usr/bin/containerd /usr/sbin/runc /usr/lib/cni/bridge /usr/sbin/iptables /usr/bin/docker-registry /usr/bin/skopeo /usr/bin/socat /usr/bin/htpasswd /usr/bin/buildah /usr/bin/mmdebstrap)

missing=()
for i in "${!packages[@]}"; do
  [[ -x "${probes[$i]}" ]] || missing+=("${packages[$i]}")
done
if ((${#missing[@]} == 0)); then
  echo "install-host-packages: all present (${packages[*]})"
  exit 0
fi
echo "install-host-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the registry's and containerd's recommends pull in
# services and tools the cluster does not use.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's packages start services on install where an init system runs; the
# cluster starts its own containerd and registry with their own configs.
for service in containerd docker-registry; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "${service}" 2>/dev/null; then
    systemctl stop "${service}" || true
  fi
done
echo "install-host-packages: done"
