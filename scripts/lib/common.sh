# shellcheck shell=bash
# Shared settings and helpers for scripts/runtime-up.sh, runtime-down.sh and friends.
# Sourced, never executed. Everything here is idempotent and safe to call twice.
#
# Naming rules (what `runtime-down.sh` treats as "ours"; see docs/test-bed.md):
#   containerd namespaces  esb, esb-*, esbt-*          (the agent uses namespace = brand;
#                                                       tests use brands starting with esbt-)
#   network namespaces     esb-*, esbt-*               (ip netns names)
#   bridges                esb-*                       (CNI bridges; the agent derives esb-<4><6hex>)
#   CNI state              /var/lib/cni/networks/esb*, /var/lib/cni/results/esb*, /var/lib/cni/esb-cni.env
#   docker containers      label created_by=esb*  or label esb.test.id
#   docker networks        names esb-*, esbt-*
#   iptables               rules naming an esb-* bridge; all CNI-* chains; DOCKER* chains and
#                          docker0/br-* rules only once no dockerd is running

ESB_DEV_STATE=${ESB_DEV_STATE:-/var/lib/esb-dev}
S=$ESB_DEV_STATE
CTR_SOCK=/run/containerd/containerd.sock
DOCKER_SOCK=/var/run/docker.sock
DOCKER=/usr/bin/docker
REGISTRY_ADDR=127.0.0.1:5000
CNI_SRC_DIR=/usr/lib/cni
CNI_BIN_LINK=/opt/cni/bin
ESB_NS_RE='^(esb|esb-.*|esbt-.*)$'
ESB_NETNS_RE='^(esb-|esbt-)'
ESB_BRIDGE_RE='^esb-'
ESB_DOCKER_NET_RE='^(esb-|esbt-)'

log() { printf '[esb-dev] %s\n' "$*" >&2; }

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# ctr_ok: containerd socket exists and answers within 3 s (ctr hangs ~10 s without a socket).
ctr_ok() { [ -S "$CTR_SOCK" ] && timeout 3 ctr --address "$CTR_SOCK" version >/dev/null 2>&1; }

# docker_ok: dockerd socket exists and answers.
docker_ok() { [ -S "$DOCKER_SOCK" ] && timeout 5 "$DOCKER" -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1; }

# registry_ok: the registry answers GET /v2/ on 127.0.0.1:5000.
registry_ok() { curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

# c: ctr with a timeout, so a wedged daemon cannot hang a script.
c() { timeout 60 ctr --address "$CTR_SOCK" "$@"; }

# d: the Debian docker 20.10 CLI (not the one first on PATH).
d() { timeout 120 "$DOCKER" -H "unix://$DOCKER_SOCK" "$@"; }

# wait_for <seconds> <cmd...>: poll cmd every 0.1 s until it succeeds or the deadline passes.
wait_for() {
  local secs=$1; shift
  local end=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -le "$end" ]; do "$@" && return 0; sleep 0.1; done
  return 1
}

# our_pid <name> <binary>: print the pid from $S/<name>.pid when that process is alive and its
# argv[0] is <binary> (so a reused pid is not mistaken for our daemon).
our_pid() {
  local name=$1 bin=$2 f="$S/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  [ "$(basename "$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -n1)")" = "$bin" ] || return 1
  echo "$pid"
}

# stop_pid <name> <binary> <grace-seconds>: SIGTERM the daemon from its pid file, SIGKILL after grace.
stop_pid() {
  local name=$1 bin=$2 grace=$3 pid
  if pid=$(our_pid "$name" "$bin"); then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_for "$grace" bash -c "! kill -0 $pid 2>/dev/null"; then
      log "$name (pid $pid) did not exit after ${grace}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_for 10 bash -c "! kill -0 $pid 2>/dev/null" || log "$name (pid $pid) still alive"
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$S/$name.pid"
}
