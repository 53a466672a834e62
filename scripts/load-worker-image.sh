#!/bin/bash
# Build (cached) the echo worker image and load it where asked:
#   --containerd NS   ctr -n NS images import (repeatable)
#   --docker          /usr/bin/docker load (skipped when dockerd already has that image id)
#   --registry        skopeo copy oci-archive: -> docker://127.0.0.1:5000/esb/echo:latest
#                     (skipped when the registry already serves the same manifest digest)
# With no target it only builds. Prints "image: <tar> ..." on stdout. Run as root.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
NSS=(); TO_DOCKER=0; TO_REGISTRY=0
while [ $# -gt 0 ]; do
  case $1 in
    --containerd) NSS+=("$2"); shift 2 ;;
    --docker) TO_DOCKER=1; shift ;;
    --registry) TO_REGISTRY=1; shift ;;
    *) echo "usage: $0 [--containerd NS]... [--docker] [--registry]" >&2; exit 2 ;;
  esac
done

DESC=$(node "$HERE/build-worker-image.mjs")
field() { node -e 'const d=JSON.parse(process.argv[1]); const v=d[process.argv[2]]; console.log(Array.isArray(v)?v.join(" "):v)' "$DESC" "$1"; }
TAR=$(field tar); REF=$(field ref); MANIFEST=$(field manifestDigest); CONFIG=$(field configDigest)
DONE=("built$( [ "$(field cached)" = true ] && echo ' (cached)' ) in $(field ms) ms")

for ns in "${NSS[@]}"; do
  ctr_ok || { echo "containerd is not answering" >&2; exit 1; }
  t0=$(now_ms)
  c -n "$ns" images import "$TAR" >/dev/null
  DONE+=("containerd ns $ns: $(( $(now_ms) - t0 )) ms")
done

if [ "$TO_DOCKER" = 1 ]; then
  docker_ok || { echo "dockerd is not answering" >&2; exit 1; }
  t0=$(now_ms)
  if [ "$(d image inspect -f '{{.Id}}' "$REF" 2>/dev/null)" != "$CONFIG" ]; then d load -q -i "$TAR" >/dev/null; fi
  DONE+=("docker: $(( $(now_ms) - t0 )) ms")
fi

if [ "$TO_REGISTRY" = 1 ]; then
  registry_ok || { echo "registry is not answering on $REGISTRY_ADDR" >&2; exit 1; }
  t0=$(now_ms)
  path=${REF#*/}; repo=${path%:*}; tag=${path##*:}
  have=$(curl -fsSI --max-time 5 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$repo/manifests/$tag" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}' || true)
  if [ "$have" != "$MANIFEST" ]; then
    timeout 120 skopeo copy -q --dest-tls-verify=false "oci-archive:$TAR" "docker://$REF" >/dev/null
  fi
  DONE+=("registry $REF: $(( $(now_ms) - t0 )) ms")
fi
echo "image: $TAR ($(IFS=';'; echo "${DONE[*]}"))"
