#!/bin/sh
# Brings up WG_INTERFACE (default wg0) under wireguard-go and configures it:
#   WG_PRIVATE_KEY, WG_LISTEN_PORT, WG_ADDRESS (CIDR on the interface),
#   WG_PEERS: peers separated by ';', each "PUBLIC_KEY,ALLOWED_IPS,ENDPOINT[,NAME]"
#   (ENDPOINT may be empty), with a 1 s persistent keepalive;
#   WG_QUICK_FILE: where to write a wg-quick file of the peers, each named by
#   a "# friendly_name = NAME" comment (as the WireGuard containers keep theirs).
set -eu
iface=${WG_INTERFACE:-wg0}
export WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KERNELSPACE=1
wireguard-go -f "$iface" &
pid=$!
trap 'kill "$pid" 2>/dev/null' TERM INT
n=0
until [ -S "/var/run/wireguard/$iface.sock" ]; do
  n=$((n + 1))
  [ "$n" -le 100 ] || { echo "entrypoint: no socket for $iface" >&2; exit 1; }
  sleep 0.1
done
umask 077
printf '%s\n' "$WG_PRIVATE_KEY" > /run/private.key
wg set "$iface" private-key /run/private.key listen-port "${WG_LISTEN_PORT:-51820}"
rm -f /run/private.key
old_ifs=$IFS
IFS=';'
for peer in ${WG_PEERS:-}; do
  IFS=,
  # shellcheck disable=SC2086
  set -- $peer
  IFS=';'
  if [ -n "${3:-}" ]; then
    wg set "$iface" peer "$1" allowed-ips "$2" endpoint "$3" persistent-keepalive 1
  else
    wg set "$iface" peer "$1" allowed-ips "$2"
  fi
done
IFS=$old_ifs
if [ -n "${WG_QUICK_FILE:-}" ]; then
  mkdir -p "$(dirname "$WG_QUICK_FILE")"
  {
    printf '[Interface]\nListenPort = %s\n' "${WG_LISTEN_PORT:-51820}"
    IFS=';'
    for peer in ${WG_PEERS:-}; do
      IFS=,
      # shellcheck disable=SC2086
      set -- $peer
      IFS=';'
      printf '\n[Peer]\n'
      [ -z "${4:-}" ] || printf '# friendly_name = %s\n' "$4"
      printf 'PublicKey = %s\nAllowedIPs = %s\n' "$1" "$2"
    done
    IFS=$old_ifs
  } > "$WG_QUICK_FILE"
fi
[ -z "${WG_ADDRESS:-}" ] || ip address add "$WG_ADDRESS" dev "$iface"
ip link set "$iface" up
echo "entrypoint: $iface up"
wait "$pid"
