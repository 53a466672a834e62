#!/bin/bash
# Record or compare the host state that the test bed touches, to prove that runtime-down.sh
# leaves the machine as it found it.
#   check-clean.sh snapshot FILE   write the normalised state to FILE
#   check-clean.sh compare FILE    compare the current state with FILE; print a diff, exit 1 if different
#   check-clean.sh show            print the current state
# Compared: links, netns, iptables/ip6tables rules and user chains (empty built-in tables with
# ACCEPT policies count as absent: iptables-nft cannot delete a table), ip_forward, containerd
# namespaces, docker containers, runtime processes, overlay/netns mounts, /var/lib/cni, the
# /opt/cni/bin link, /usr/sbin/policy-rc.d, cgroup folders of our namespaces.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

norm_ipt() {
  "$1" 2>/dev/null | grep -v -E '^(#|\*|COMMIT$)' | sed -E 's/ \[[0-9]+:[0-9]+\]$//' \
    | grep -v -E '^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT$' | sort
}

state() {
  echo "## links"; ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort
  echo "## netns"; ip netns list 2>/dev/null | awk '{print $1}' | sort
  echo "## iptables"; norm_ipt iptables-save
  echo "## ip6tables"; norm_ipt ip6tables-save
  echo "## ip_forward"; cat /proc/sys/net/ipv4/ip_forward
  echo "## containerd namespaces"
  if ctr_ok; then c namespaces ls -q | sort; else echo "(containerd not running)"; fi
  echo "## docker ps -a"
  if docker_ok; then d ps -a --format '{{.Names}} {{.Image}} {{.Labels}}' | sort; else echo "(dockerd not running)"; fi
  echo "## processes"
  ps -eo comm= | grep -E '^(containerd|containerd-shim|containerd-shim-runc-v2|dockerd|docker-proxy|docker-registry|runc)$' | sort | uniq -c
  echo "## mounts"; awk '$3=="overlay" || $2 ~ /netns/ {print $2}' /proc/mounts | sort
  echo "## /var/lib/cni"; [ -d /var/lib/cni ] && (cd /var/lib/cni && find . -mindepth 1 | sort)
  echo "## files"
  for f in "$CNI_BIN_LINK" /usr/sbin/policy-rc.d; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done
  echo "## cgroups"
  ls /sys/fs/cgroup/memory 2>/dev/null | grep -E '^(esb|esb-.*|esbt-.*|moby|docker)$'
  return 0
}

case ${1:-} in
  snapshot) state > "$2"; echo "host state saved to $2" ;;
  show) state ;;
  compare)
    if diff -u --label before "$2" --label now <(state); then echo "host state matches $2"; else
      echo "host state differs from $2 (see diff above)" >&2; exit 1; fi ;;
  *) echo "usage: $0 snapshot FILE | compare FILE | show" >&2; exit 2 ;;
esac
