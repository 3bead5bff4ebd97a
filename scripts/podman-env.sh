# Sourced by the scripts that run podman on Debian 12 hosts like the test
# machines: the settings podman needs there, and the base images made
# locally because no registry is reachable.
#
# - crun refuses hosts whose cgroups are a v1/v2 hybrid: use runc.
# - podman's default rlimits for root (nofile 1048576, nproc 4194304) can be
#   above the hard limits here: stay within `ulimit -H`, and within 32768 for
#   nproc, the hard limit podman itself hands its containers' monitor.
# - --network host for builds: no CNI bridge and no iptables chains.
# - docker format: OCI format drops HEALTHCHECK.
WGX_IMAGE_CACHE=${WGX_IMAGE_CACHE:-/var/cache/wireguard-exporter-test/images}
_wgx_nofile=$(ulimit -Hn); [ "$_wgx_nofile" = unlimited ] && _wgx_nofile=1048576
_wgx_nproc=$(ulimit -Hu); [ "$_wgx_nproc" = unlimited ] && _wgx_nproc=4194304
[ "$_wgx_nofile" -gt 32768 ] && _wgx_nofile=32768
[ "$_wgx_nproc" -gt 32768 ] && _wgx_nproc=32768
WGX_PODMAN_GLOBAL=(--runtime runc --cgroup-manager cgroupfs --events-backend file)
WGX_ULIMITS=(--ulimit "nofile=${_wgx_nofile}:${_wgx_nofile}" --ulimit "nproc=${_wgx_nproc}:${_wgx_nproc}")
WGX_PODMAN_BUILD=(--pull=never --format docker --network host "${WGX_ULIMITS[@]}")
WGX_PODMAN_RUN=("${WGX_ULIMITS[@]}")

# wgx_base_image NAME: makes sure the image NAME (a Debian 12 base) exists,
# importing a minbase root file system made by mmdebstrap (cached) when not.
wgx_base_image() {
  local name=$1
  podman "${WGX_PODMAN_GLOBAL[@]}" image exists "$name" && return 0
  local tarball="$WGX_IMAGE_CACHE/bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$WGX_IMAGE_CACHE"
    echo "podman-env: making the Debian 12 base image with mmdebstrap (once; cached in $WGX_IMAGE_CACHE)"
    mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      bookworm "$tarball.part" && mv "$tarball.part" "$tarball"
  fi
  podman "${WGX_PODMAN_GLOBAL[@]}" import --change 'CMD ["bash"]' "$tarball" "$name" >/dev/null
  echo "podman-env: imported $name from $tarball"
}
