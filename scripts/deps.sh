#!/bin/sh
# Install the Debian 12 packages fastpath needs to build, test, demo and bench.
# Idempotent: it installs only what is missing, so it is cheap to call from
# `make test` and `make demo`.
set -eu

PKGS="build-essential clang llvm libclang-rt-14-dev pkg-config bpftool
      libbpf-dev libxdp-dev libelf-dev zlib1g-dev
      libnl-route-3-dev libnl-genl-3-dev libmnl-dev libcmocka-dev libcap-dev
      liburcu-dev
      systemtap-sdt-dev linux-libc-dev
      iproute2 iputils-ping ethtool nftables conntrack tmux jq
      python3 python3-pytest python3-scapy"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing; run 'sudo make deps' to install them" >&2
	exit 1
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
