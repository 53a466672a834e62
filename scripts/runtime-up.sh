#!/bin/bash
# Bring up the real runtimes for esb-agent tests: containerd (runc), dockerd (on that containerd),
# a registry on 127.0.0.1:5000, the CNI plugins at /opt/cni/bin, and the echo worker image
# (built, pushed to 127.0.0.1:5000/esb/echo:latest). Idempotent; run as root.
#
# State folder ${ESB_DEV_STATE:-/var/lib/esb-dev}: <daemon>.pid, <daemon>.log, configs, markers
# of what this script changed (so runtime-down.sh undoes exactly that). A daemon that already
# answers but was not started from this state folder is left alone and reported as "foreign".
#
# Env: ESB_DEV_STATE, ESB_DEV_SKIP_IMAGE=1 (do not build/push the worker image).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" = 0 ] || { echo "runtime-up.sh must run as root" >&2; exit 1; }
mkdir -p "$S"
PKGS="containerd runc containernetworking-plugins iptables docker.io docker-registry skopeo iproute2 curl chromium"

install_packages() {
  local missing=() p
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    touch "$S/policy-rc.d.ours"
  fi
  log "installing: ${missing[*]}"
  local t0; t0=$(now_ms)
  apt-get update >> "$S/apt.log" 2>&1
  apt-get install -y --no-install-recommends "${missing[@]}" >> "$S/apt.log" 2>&1 \
    || { tail -30 "$S/apt.log" >&2; exit 1; }
  log "installed in $(( $(now_ms) - t0 )) ms"
}

link_cni_bin() {
  if [ -e "$CNI_BIN_LINK" ] || [ -L "$CNI_BIN_LINK" ]; then return 0; fi
  [ -d /opt/cni ] || { mkdir -p /opt/cni; touch "$S/opt-cni.ours"; }
  ln -s "$CNI_SRC_DIR" "$CNI_BIN_LINK"
  touch "$S/cni-bin-link.ours"
}

write_configs() {
  cat > "$S/containerd.toml" <<EOF
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTR_SOCK"
EOF
  mkdir -p "$S/registry-data"
  cat > "$S/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $S/registry-data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
}

# start <name> <binary> <probe-fn> <cmd...>: start the daemon unless something already answers.
start() {
  local name=$1 bin=$2 probe=$3 pid; shift 3
  if pid=$(our_pid "$name" "$bin"); then
    wait_for 30 "$probe" || { log "$name (pid $pid, ours) does not answer; see $S/$name.log"; exit 1; }
    STATUS+=("$name: running (ours, pid $pid)"); return 0
  fi
  rm -f "$S/$name.pid"
  if "$probe"; then STATUS+=("$name: running (foreign, not started by us: left alone)"); return 0; fi
  local t0; t0=$(now_ms)
  setsid "$@" >> "$S/$name.log" 2>&1 < /dev/null &
  echo $! > "$S/$name.pid"
  if ! wait_for 60 "$probe"; then
    log "$name did not answer within 60 s; last log lines:"; tail -20 "$S/$name.log" >&2; exit 1
  fi
  STATUS+=("$name: started (pid $(cat "$S/$name.pid"), ready in $(( $(now_ms) - t0 )) ms, log $S/$name.log)")
}

build_image() {
  [ "${ESB_DEV_SKIP_IMAGE:-0}" = 1 ] && return 0
  [ -x "$HERE/load-worker-image.sh" ] || return 0
  local out
  out=$("$HERE/load-worker-image.sh" --docker --registry) || { log "worker image build/push failed"; exit 1; }
  STATUS+=("$out")
}

STATUS=()
install_packages
[ -f "$S/ip_forward.orig" ] || cat /proc/sys/net/ipv4/ip_forward > "$S/ip_forward.orig"
# remember host folders/mounts the tests will create so down can remove them again when empty
for dir in /var/lib/cni /var/lib/cni/networks /var/lib/cni/results; do
  m="$S/dir-$(echo "${dir#/}" | tr / -).ours"
  [ -e "$dir" ] || [ -f "$m" ] || echo "$dir" > "$m"
done
mountpoint -q /run/netns 2>/dev/null || [ -f "$S/run-netns.ours" ] || touch "$S/run-netns.ours"
link_cni_bin
write_configs
start containerd containerd ctr_ok containerd --config "$S/containerd.toml"
start dockerd dockerd docker_ok /usr/sbin/dockerd --containerd "$CTR_SOCK" --storage-driver overlay2 \
  --bip 10.232.0.1/24 --default-address-pool base=10.233.0.0/16,size=24 \
  --ip-forward=false --ip-masq=false -H "unix://$DOCKER_SOCK"
start registry docker-registry registry_ok /usr/bin/docker-registry serve "$S/registry.yml"
build_image
printf '%s\n' "${STATUS[@]}"
[ -e "$S/images/echo.tar" ] && echo "worker image: $S/images/echo.tar (registry $REGISTRY_ADDR/esb/echo:latest)"
echo "cni plugins: $CNI_BIN_LINK -> $(readlink -f "$CNI_BIN_LINK")"
echo "state: $S"
