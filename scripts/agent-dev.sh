#!/bin/bash
# Run esb-agent in the foreground on this machine against a real runtime (root, Debian).
#
#   sudo scripts/agent-dev.sh                      # containerd (default)
#   sudo AGENT_RUNTIME=docker scripts/agent-dev.sh # dockerd
#
# On a fresh machine it brings the runtimes up (scripts/runtime-up.sh: containerd, runc, CNI
# plugins, dockerd, a registry on 127.0.0.1:5000 with the echo worker image), runs `npm ci` and
# `npm run build` when needed, writes development mTLS certificates with `esb-agent certs` into
# the state folder when none are configured, and starts `esb-agent serve`. Ctrl-C stops it; the
# workers are kept for the next start (AGENT_SHUTDOWN_POLICY=keep) unless you set
# AGENT_SHUTDOWN_POLICY=destroy. Every variable below can be overridden from the environment.
#
# Dev-box safety defaults (differ from production, see docs/running.md): CNI_IP_MASQ=0 and
# CNI_DEFAULT_ROUTE=0 (workers get no NAT and no default route: they reach the host bridge only),
# gRPC bound to 127.0.0.1, the CNI conflist in the state folder instead of /etc/cni/net.d.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STATE=${ESB_AGENT_DEV_STATE:-/var/lib/esb-agent-dev}
say() { printf '[agent-dev] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (containerd, CNI and dockerd need it): sudo $0"
command -v node >/dev/null || die "node (>= 20.19) is not installed"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || die "node $(node -v) is too old; esb-agent needs >= 20.19"

export AGENT_RUNTIME=${AGENT_RUNTIME:-containerd}
case "$AGENT_RUNTIME" in containerd|docker|simulated|auto) ;; *) die "AGENT_RUNTIME=$AGENT_RUNTIME: use containerd, docker, simulated or auto" ;; esac

# 1. Runtimes: up when missing (idempotent; reports and does nothing when all is running).
runtime_ready() {
  case "$AGENT_RUNTIME" in
    simulated) return 0 ;;
    docker) [ -S /var/run/docker.sock ] && timeout 5 /usr/bin/docker version >/dev/null 2>&1 ;;
    *) [ -S /run/containerd/containerd.sock ] && timeout 3 ctr version >/dev/null 2>&1 && [ -x /opt/cni/bin/bridge ] ;;
  esac
}
if ! runtime_ready || ! curl -fsS --max-time 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  say "runtimes missing: running scripts/runtime-up.sh"
  "$HERE/runtime-up.sh"
fi

# 2. Dependencies and build.
cd "$ROOT"
# npm ci only on a machine without dependencies (it empties node_modules first, also through a
# symlink to a shared folder); after a package-lock.json change run `npm ci` yourself.
if [ ! -e node_modules ] || { [ -d node_modules ] && [ ! -L node_modules ] && [ -z "$(ls -A node_modules)" ]; }; then
  say "npm ci"; npm ci --no-audit --no-fund
fi
if [ ! -f dist/cli.js ] || [ -n "$(find src proto -newer dist/cli.js -type f -print -quit)" ]; then say "npm run build"; npm run build; fi

# 3. Identity, network and ports.
export ENV=${ENV:-dev}
export ESB_BRAND_SLUG=${ESB_BRAND_SLUG:-esb}
export CONTAINERS_NETWORK=${CONTAINERS_NETWORK:-esb-dev-net}
export CNI_IP_MASQ=${CNI_IP_MASQ:-0}
export CNI_DEFAULT_ROUTE=${CNI_DEFAULT_ROUTE:-0}
export CNI_CONF_DIR=${CNI_CONF_DIR:-$STATE/cni/net.d}
export AGENT_GRPC_HOST=${AGENT_GRPC_HOST:-127.0.0.1}
export PORT=${PORT:-50051}
export AGENT_HTTP_PORT=${AGENT_HTTP_PORT:-9091}
export AGENT_WORKER_LOG_DIR=${AGENT_WORKER_LOG_DIR:-$STATE/worker-logs}
export CONTAINER_REGISTRY=${CONTAINER_REGISTRY:-127.0.0.1:5000}
export CONTAINER_REGISTRY_INSECURE=${CONTAINER_REGISTRY_INSECURE:-1}
mkdir -p "$STATE" "$CNI_CONF_DIR"
if [ "$AGENT_RUNTIME" = docker ] && ! /usr/bin/docker network inspect "$CONTAINERS_NETWORK" >/dev/null 2>&1; then
  say "creating Docker network $CONTAINERS_NETWORK (bridge, masquerade off)"
  /usr/bin/docker network create --driver bridge -o com.docker.network.bridge.enable_ip_masquerade=false "$CONTAINERS_NETWORK" >/dev/null
fi

# 4. mTLS: dev certificates unless configured or disabled.
CERTS=$STATE/certs
if [ "${AGENT_GRPC_TLS_DISABLED:-0}" != 1 ] && [ -z "${AGENT_GRPC_CERT_PATH:-}" ]; then
  [ -f "$CERTS/server.crt" ] || node bin/esb-agent.js certs "$CERTS" >/dev/null
  export AGENT_GRPC_CERT_PATH=$CERTS/server.crt AGENT_GRPC_KEY_PATH=$CERTS/server.key AGENT_GRPC_CA_CERT_PATH=$CERTS/rootCA.crt
fi

# 5. How to reach it.
tls_note="AGENT_CERT_DIR=$CERTS"
on_stop="workers are kept for the next start (AGENT_SHUTDOWN_POLICY=destroy removes them)"
[ "${AGENT_SHUTDOWN_POLICY:-keep}" = destroy ] && on_stop="workers are destroyed (AGENT_SHUTDOWN_POLICY=destroy)"
port_note=$AGENT_HTTP_PORT
[ "$port_note" = 0 ] && port_note="<picked at start, see the log>"
[ "${AGENT_GRPC_TLS_DISABLED:-0}" = 1 ] && tls_note="AGENT_GRPC_TLS_DISABLED=1"
cat >&2 <<MSG
[agent-dev] esb-agent on $AGENT_RUNTIME: gRPC $AGENT_GRPC_HOST:$PORT (mTLS client cert: $CERTS/client.crt), metrics/status http://127.0.0.1:$port_note/
[agent-dev] try it from another shell:
    AGENT_ADDR=$AGENT_GRPC_HOST:$PORT $tls_note node $ROOT/scripts/agent-client.mjs demo
    AGENT_ADDR=$AGENT_GRPC_HOST:$PORT $tls_note node $ROOT/scripts/agent-client.mjs list
[agent-dev] Ctrl-C stops the agent; $on_stop.
MSG
exec node bin/esb-agent.js serve
