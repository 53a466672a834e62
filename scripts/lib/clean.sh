# shellcheck shell=bash
# Cleanup functions used by scripts/runtime-down.sh (sourced after lib/common.sh). Each removes
# only resources that match the naming rules in lib/common.sh, and each is a no-op when there is
# nothing to remove.

# clean_ns <ns>: kill+delete tasks, containers, images, leases, snapshots, content, then the namespace.
clean_ns() {
  local ns=$1 id i
  for id in $(c -n "$ns" tasks ls -q 2>/dev/null); do
    c -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1
    c -n "$ns" tasks rm -f "$id" >/dev/null 2>&1
  done
  for id in $(c -n "$ns" containers ls -q 2>/dev/null); do c -n "$ns" containers rm "$id" >/dev/null 2>&1; done
  for id in $(c -n "$ns" images ls -q 2>/dev/null); do c -n "$ns" images rm "$id" >/dev/null 2>&1; done
  for id in $(c -n "$ns" leases ls -q 2>/dev/null); do c -n "$ns" leases rm "$id" >/dev/null 2>&1; done
  for i in 1 2 3 4 5 6 7 8; do   # snapshots: leaves first, repeat until none are left
    local keys; keys=$(c -n "$ns" snapshots ls 2>/dev/null | awk 'NR>1 {print $1}')
    [ -z "$keys" ] && break
    for id in $keys; do c -n "$ns" snapshots rm "$id" >/dev/null 2>&1; done
  done
  for id in $(c -n "$ns" content ls -q 2>/dev/null); do c -n "$ns" content rm "$id" >/dev/null 2>&1; done
  c -n "$ns" namespaces rm "$ns" >/dev/null 2>&1 || log "namespace $ns could not be removed"
  rm_cgroups "$ns"
}

# rm_cgroups <ns>: remove the empty v1 cgroup folders runc left for a namespace (deepest first).
rm_cgroups() {
  local dir
  for dir in /sys/fs/cgroup/*/"$1"; do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

clean_containerd() {
  ctr_ok || return 0
  local ns
  for ns in $(c namespaces ls -q 2>/dev/null | grep -E "$ESB_NS_RE"); do clean_ns "$ns"; log "removed containerd namespace $ns"; done
}

# clean_cgroups: rmdir empty cgroup folders of our namespaces left by namespaces already gone.
clean_cgroups() {
  local ns
  for ns in $(ls /sys/fs/cgroup/*/ 2>/dev/null | grep -E "$ESB_NS_RE" | sort -u); do rm_cgroups "$ns"; done
}

clean_docker() {
  docker_ok || return 0
  local ids net
  ids=$(d ps -aq --filter label=esb.test.id 2>/dev/null)
  ids+=" $(d ps -a --filter label=created_by --format '{{.ID}} {{.Label "created_by"}}' 2>/dev/null | awk '$2 ~ /^esb/ {print $1}')"
  ids=$(echo $ids | tr ' ' '\n' | sort -u)
  [ -n "$ids" ] && { d rm -f $ids >/dev/null 2>&1; log "removed docker containers: $(echo $ids)"; }
  local imgs
  imgs=$(d images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -E '^(127\.0\.0\.1:5000/)?esb/' || true)
  [ -n "$imgs" ] && { d rmi -f $imgs >/dev/null 2>&1; log "removed docker images: $(echo $imgs)"; }
  for net in $(d network ls --format '{{.Name}}' 2>/dev/null | grep -E "$ESB_DOCKER_NET_RE"); do
    ids=$(d network inspect -f '{{range $id, $c := .Containers}}{{$id}} {{end}}' "$net" 2>/dev/null)
    [ -n "${ids// /}" ] && { d rm -f $ids >/dev/null 2>&1; log "removed docker containers on $net: $(echo $ids | cut -c1-12)"; }
    d network rm "$net" >/dev/null 2>&1 && log "removed docker network $net"
  done
}

clean_links() {
  local n
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$ESB_NETNS_RE"); do ip netns del "$n"; log "removed netns $n"; done
  for n in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "$ESB_BRIDGE_RE"); do
    ip link del "$n" && log "removed bridge $n"
  done
}

# del_rules <table> <grep-ERE>: delete every -A rule of the table that matches the pattern.
del_rules() {
  local t=$1 re=$2 rule
  iptables -t "$t" -S 2>/dev/null | grep '^-A ' | grep -E -- "$re" | sed 's/^-A /-D /' | while read -r rule; do
    eval iptables -t "$t" "$rule" 2>/dev/null
  done
}

# drop_chains <table> <chain-ERE>: unhook, flush and delete matching user chains.
drop_chains() {
  local t=$1 re=$2 ch chains
  chains=$(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" {print $2}' | grep -E "$re")
  [ -z "$chains" ] && return 0
  for ch in $chains; do del_rules "$t" "-j $ch( |\$)"; done
  for ch in $chains; do iptables -t "$t" -F "$ch" 2>/dev/null; done
  for ch in $chains; do iptables -t "$t" -X "$ch" 2>/dev/null; done
  log "removed iptables $t chains: $(echo $chains)"
}

clean_iptables() {
  local t
  for t in filter nat; do
    del_rules "$t" "-[io] esb-[^ ]+( |\$)"
    drop_chains "$t" '^CNI-'
    if ! docker_ok; then
      del_rules "$t" "-[io] (docker0|br-[0-9a-f]{12})( |\$)"
      drop_chains "$t" '^DOCKER'
    fi
  done
}

clean_cni_state() {
  local f
  for f in /var/lib/cni/networks/esb* /var/lib/cni/results/esb* /var/lib/cni/results/.esb-cni-cache-*.tmp /var/lib/cni/esb-cni.env /run/containerd/esbt-*; do
    [ -e "$f" ] && { rm -rf "$f"; log "removed $f"; }
  done
  return 0
}

restore_host() {
  if [ -f "$S/ip_forward.orig" ]; then
    cat "$S/ip_forward.orig" > /proc/sys/net/ipv4/ip_forward && rm -f "$S/ip_forward.orig"
  fi
  if [ -f "$S/cni-bin-link.ours" ]; then rm -f "$CNI_BIN_LINK" "$S/cni-bin-link.ours"; fi
  if [ -f "$S/opt-cni.ours" ]; then rmdir /opt/cni 2>/dev/null; rm -f "$S/opt-cni.ours"; fi
  if [ -f "$S/policy-rc.d.ours" ]; then rm -f /usr/sbin/policy-rc.d "$S/policy-rc.d.ours"; fi
  local m
  for m in "$S"/dir-var-lib-cni-results.ours "$S"/dir-var-lib-cni-networks.ours "$S"/dir-var-lib-cni.ours; do
    [ -f "$m" ] || continue
    rmdir "$(cat "$m")" 2>/dev/null; rm -f "$m"
  done
  if [ -f "$S/run-netns.ours" ]; then
    if mountpoint -q /run/netns && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then umount /run/netns 2>/dev/null; fi
    rmdir /run/netns 2>/dev/null; rm -f "$S/run-netns.ours"
  fi
  rm -rf "$S/subnets"
}

stop_daemons() {
  stop_pid registry docker-registry 15
  if our_pid dockerd dockerd >/dev/null; then
    stop_pid dockerd dockerd 30
    for br in docker0 $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^br-[0-9a-f]{12}$'); do
      ip link del "$br" 2>/dev/null && log "removed bridge $br (dockerd recreates it on start)"
    done
    ctr_ok && c namespaces rm moby >/dev/null 2>&1
    rm_cgroups docker
  fi
  stop_pid containerd containerd 30
}

