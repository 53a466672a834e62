#!/bin/bash
# Remove everything of ours from the runtimes (see the naming rules in scripts/lib/common.sh and
# docs/test-bed.md), restore net.ipv4.ip_forward, then stop the daemons runtime-up.sh started
# (by PID from the state folder; SIGTERM, SIGKILL after a grace period). Daemons it did not start
# are never stopped. A second run is a no-op. Run as root.
#
# Env: ESB_DEV_STATE, ESB_DEV_KEEP_DAEMONS=1 (clean our resources but leave the daemons running).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/clean.sh
. "$HERE/lib/clean.sh"
[ "$(id -u)" = 0 ] || { echo "runtime-down.sh must run as root" >&2; exit 1; }
mkdir -p "$S"

t0=$(now_ms)
clean_containerd
clean_docker
clean_links
clean_cgroups
clean_cni_state
if [ "${ESB_DEV_KEEP_DAEMONS:-0}" != 1 ]; then stop_daemons; fi
clean_iptables
[ "${ESB_DEV_KEEP_DAEMONS:-0}" != 1 ] && restore_host
echo "runtime-down done in $(( $(now_ms) - t0 )) ms"
exit 0
