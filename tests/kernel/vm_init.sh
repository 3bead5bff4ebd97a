#!/bin/busybox sh
# /init of the kernel test VM. Sets up real kernel WireGuard interfaces, runs
# the exporter against them and checks its /metrics. Every result is one
# console line "WGXVM PASS|FAIL|INFO name detail"; the host script reads them.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
cd /tmp || exit 1

pass() { echo "WGXVM PASS $*"; }
FAILED=
fail() {
  echo "WGXVM FAIL $*"
  FAILED=1
}
info() { echo "WGXVM INFO $*"; }
at() { info "at_$1 $(cut -d' ' -f1 /proc/uptime)"; }  # progress, with seconds since boot
check() {  # check NAME DETAIL COMMAND...: PASS when the command succeeds
  name=$1 detail=$2
  shift 2
  if "$@"; then pass "$name $detail"; else fail "$name $detail"; fi
}
finish() {
  if [ -n "$FAILED" ]; then
    for log in /tmp/exporter*.log; do
      [ -f "$log" ] && { echo "--- $log"; tail -n 15 "$log"; }
    done
  fi
  echo "WGXVM DONE"
  sync
  poweroff -f
}
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# --- kernel WireGuard -------------------------------------------------------
while read -r module; do
  if ! insmod "/lib/modules/$module"; then
    fail modules "insmod $module"
    finish
  fi
done < /lib/modules/load-order
pass modules "$(wc -l < /lib/modules/load-order) modules loaded"
ip link set lo up
at modules_loaded

# --- real netlink answers, recorded for the parser's unit tests ---------------
# Fixed keys, so the tests know what to expect. Peer 2's 1,500 allowed IPs
# need more than one netlink message.
umask 077
echo "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=" > capture.key
echo "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=" > capture.psk
umask 022
awk 'BEGIN { for (j = 0; j < 1500; j++) printf "%s10.50.%d.%d/32", (j ? "," : ""), int(j / 256), j % 256 }' > capture-ips
ip link add wgcap type wireguard
wg set wgcap listen-port 51999 fwmark 0x1234 private-key capture.key \
  peer 000001AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= preshared-key capture.psk \
    endpoint 192.0.2.1:51820 persistent-keepalive 25 allowed-ips 10.0.0.1/32,fd00::1/128 \
  peer 000002AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= endpoint "[2001:db8::2]:51821" \
    allowed-ips "$(cat capture-ips)" \
  peer 000003AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= allowed-ips 10.3.0.0/16
for what in links family "device wgcap"; do
  name=$(echo "$what" | tr ' ' '-')
  # shellcheck disable=SC2086 # $what is the command and its argument
  if netlink_capture $what > "capture-$name.bin"; then
    echo "WGXVM CAPTURE BEGIN $name"
    base64 "capture-$name.bin"
    echo "WGXVM CAPTURE END $name"
    pass "capture_$name" "$(wc -c < "capture-$name.bin") bytes"
  else
    fail "capture_$name" "netlink_capture $what"
  fi
done
ip link del wgcap

umask 077
for k in a b c d; do wg genkey > $k.key; wg pubkey < $k.key > $k.pub; done
umask 022
A_PUB=$(cat a.pub) B_PUB=$(cat b.pub) C_PUB=$(cat c.pub)
NEVER_PUB=$(wg genkey | wg pubkey)

# wg0 (this namespace) and its peer wgpeer, moved into a second namespace.
# wgpeer keeps its UDP socket here, where it was created, so both ends talk
# over 127.0.0.1 while the tunnel addresses live in separate namespaces.
unshare -n sleep 100000 &
NS2=$!
ip link add wg0 type wireguard
wg set wg0 listen-port 51820 private-key a.key \
  peer "$B_PUB" endpoint 127.0.0.1:51821 allowed-ips 10.200.0.2/32 \
  peer "$NEVER_PUB" allowed-ips 10.200.0.99/32
ip addr add 10.200.0.1/24 dev wg0
ip link set wg0 up
ip link add wgpeer type wireguard
wg set wgpeer listen-port 51821 private-key b.key \
  peer "$A_PUB" endpoint 127.0.0.1:51820 allowed-ips 10.200.0.0/24
sleep 1  # let the unshared namespace come into being
ip link set wgpeer netns "$NS2"
nsenter -t "$NS2" -n ip link set lo up
nsenter -t "$NS2" -n ip addr add 10.200.0.2/24 dev wgpeer
nsenter -t "$NS2" -n ip link set wgpeer up
check handshake "ping through wg0" ping -c 1 -W 10 10.200.0.2

# wg1: 2,000 peers. Peer 1 has 300 allowed IPs; peer 2 has 2,000, more than
# one netlink message can hold, so the kernel must split it. Any 32 bytes are
# a valid public key: six digits then zero bits.
awk -v key="$(cat c.key)" 'BEGIN {
  print "[Interface]\nPrivateKey = " key "\nListenPort = 51830"
  for (i = 1; i <= 2000; i++) {
    printf "[Peer]\nPublicKey = %06dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", i
    if (i == 1 || i == 2) {
      n = i == 1 ? 300 : 2000
      ips = ""
      for (j = 0; j < n; j++) ips = ips (j ? "," : "") sprintf("172.%d.%d.%d/32", 15 + i, int(j / 256), j % 256)
    } else {
      ips = sprintf("10.%d.%d.0/24", 100 + int(i / 256), i % 256)
    }
    print "AllowedIPs = " ips
  }
}' > wg1.conf
ip link add wg1 type wireguard
check big_device_config "wg setconf with 2000 peers" wg setconf wg1 wg1.conf
ip link set wg1 up
at interfaces_ready

cat > config.yml <<EOF
interfaces:
  - name: wg0
    labels: {site: vm}
    peers:
      - public_key: "$B_PUB"
        name: handshake-peer
      - public_key: "$NEVER_PUB"
        name: never-peer
EOF
chmod 644 config.yml

# --- helpers over a scraped exposition ---------------------------------------
# series FILE METRIC LABEL...: the lines of METRIC whose labels contain every
# LABEL (exact text such as interface="wg0").
series() {
  file=$1 metric=$2
  shift 2
  grep "^$metric{" "$file" > series.tmp
  for label in "$@"; do grep -F "$label" series.tmp > series.tmp2; mv series.tmp2 series.tmp; done
  cat series.tmp
}
value() { series "$@" | head -n 1 | awk '{ print $NF }'; }
# busybox wget crashes with its own -T, so timeout(1) bounds it instead.
scrape() {  # scrape PORT FILE
  timeout 120 wget -q -O "$2" "http://127.0.0.1:$1/metrics"
}
# The same, less wg1's 14,000 peer series: emulated CPUs grep slowly.
scrape_small() {  # scrape_small PORT FILE
  scrape "$1" "$2.full" && grep -v '^wireguard_peer_.*interface="wg1"' "$2.full" > "$2"
}
wait_ready() {  # wait_ready PORT
  for _ in $(seq 1 240); do  # up to two minutes: emulation on a busy host is slow
    timeout 5 wget -q -O /dev/null "http://127.0.0.1:$1/-/healthy" 2> /dev/null && return 0
    sleep 0.5
  done
  return 1
}
is_number_between() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 == v && v >= lo && v <= hi) }'; }

# --- the exporter as root -----------------------------------------------------
wireguard_exporter --web.listen-address=:9586 --config.file=/tmp/config.yml > exporter.log 2>&1 &
EXPORTER=$!
if ! wait_ready 9586; then
  fail exporter_start "not ready on :9586"
  tail -n 20 exporter.log
  finish
fi
pass exporter_start "ready on :9586"
at exporter_ready

# The first scrape warms up the process; the second is the one measured.
scrape 9586 warmup.txt
start=$(uptime_ms)
scrape 9586 m1.txt
end=$(uptime_ms)
info scrape_ms "$((end - start))"
info scrape_bytes "$(wc -c < m1.txt)"
# Emulated CPUs are slow: checks read a copy without wg1's 14,000 peer series,
# which are examined once, further down.
grep -v '^wireguard_peer_.*interface="wg1"' m1.txt > m1-small.txt
grep '^wireguard_peer_info{.*interface="wg1"' m1.txt > wg1-peer-info.txt
info wg1_read_duration_seconds "$(value m1-small.txt wireguard_interface_read_duration_seconds 'interface="wg1"')"
info wg0_read_duration_seconds "$(value m1-small.txt wireguard_interface_read_duration_seconds 'interface="wg0"')"

check wg0_info "kernel, public key, port 51820" test -n "$(series m1-small.txt wireguard_interface_info \
  'interface="wg0"' "public_key=\"$A_PUB\"" 'listen_port="51820"' 'implementation="kernel"')"
check wg1_info "kernel, public key, port 51830" test -n "$(series m1-small.txt wireguard_interface_info \
  'interface="wg1"' "public_key=\"$C_PUB\"" 'listen_port="51830"' 'implementation="kernel"')"
check wg0_up "interface_up 1" test "$(value m1-small.txt wireguard_interface_up 'interface="wg0"')" = 1
check wg1_up "interface_up 1" test "$(value m1-small.txt wireguard_interface_up 'interface="wg1"')" = 1
check wg0_labels "configured label site=vm" test -n "$(series m1-small.txt wireguard_interface_up 'interface="wg0"' 'site="vm"')"

peer="public_key=\"$B_PUB\""
check handshake_online "online 1" test "$(value m1-small.txt wireguard_peer_online "$peer" 'name="handshake-peer"')" = 1
age=$(value m1-small.txt wireguard_peer_last_handshake_age_seconds "$peer")
check handshake_age "age $age s" is_number_between "$age" 0 120
stamp=$(value m1-small.txt wireguard_peer_last_handshake_timestamp_seconds "$peer")
check handshake_timestamp "timestamp $stamp" is_number_between "$stamp" 1 1e12
rx=$(value m1-small.txt wireguard_peer_receive_bytes_total "$peer")
tx=$(value m1-small.txt wireguard_peer_transmit_bytes_total "$peer")
check handshake_bytes "rx $rx tx $tx" awk -v r="$rx" -v t="$tx" 'BEGIN { exit !(r > 0 && t > 0) }'
check handshake_endpoint "endpoint 127.0.0.1:51821" test -n "$(series m1-small.txt wireguard_peer_info "$peer" 'endpoint="127.0.0.1:51821"' 'allowed_ips="10.200.0.2/32"')"

never="public_key=\"$NEVER_PUB\""
check never_age "+Inf" test "$(value m1-small.txt wireguard_peer_last_handshake_age_seconds "$never" 'name="never-peer"')" = "+Inf"
check never_online "0" test "$(value m1-small.txt wireguard_peer_online "$never")" = 0
check never_timestamp "0" test "$(value m1-small.txt wireguard_peer_last_handshake_timestamp_seconds "$never")" = 0

# Every peer and every allowed IP of wg1, compared with what wg(8) reads from
# the same kernel, and with what was configured.
awk '{
  k = $0; sub(/.*public_key="/, "", k); sub(/".*/, "", k)
  a = $0; sub(/.*allowed_ips="/, "", a); sub(/".*/, "", a)
  n = split(a, ips, ","); for (i = 1; i <= n; i++) print k, ips[i]
}' wg1-peer-info.txt | sort > exported_pairs.txt
wg show wg1 allowed-ips | awk '{ for (i = 2; i <= NF; i++) print $1, $i }' | sort > kernel_pairs.txt
peers=$(wc -l < wg1-peer-info.txt)
pairs=$(wc -l < exported_pairs.txt)
big=$(grep -c '^000001AAAA' exported_pairs.txt)
huge=$(grep -c '^000002AAAA' exported_pairs.txt)
check big_device_peers "$peers peer_info series" test "$peers" = 2000
check big_device_peer_count "interface_peers" test "$(value m1-small.txt wireguard_interface_peers 'interface="wg1"')" = 2000
check big_device_allowed_ips "$pairs allowed IPs, 300 and 2000 on the two big peers" \
  test "$pairs" = 4298 -a "$big" = 300 -a "$huge" = 2000
check big_device_matches_wg "the same peers and allowed IPs as wg show" cmp -s exported_pairs.txt kernel_pairs.txt

at checks_done
# --- interfaces come and go between scrapes ----------------------------------
ip link add wg2 type wireguard
wg set wg2 listen-port 51840 private-key d.key
scrape_small 9586 m2.txt
check added_interface "wg2 appears" test "$(value m2.txt wireguard_interface_up 'interface="wg2"')" = 1
check added_interface_info "wg2 port 51840" test -n "$(series m2.txt wireguard_interface_info 'interface="wg2"' 'listen_port="51840"')"
ip link del wg2
scrape_small 9586 m3.txt
check removed_interface "wg2 gone" test "$(grep -c 'interface="wg2"' m3.txt)" = 0
check remaining_interfaces "wg0 and wg1 still up" test "$(value m3.txt wireguard_interface_up 'interface="wg0"')$(value m3.txt wireguard_interface_up 'interface="wg1"')" = 11
kill "$EXPORTER"

at churn_done
# --- non-root with and without CAP_NET_ADMIN ---------------------------------
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin \
  wireguard_exporter --web.listen-address=:9587 --config.file=/tmp/config.yml > exporter-cap.log 2>&1 &
WITH_CAP=$!
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \
  wireguard_exporter --web.listen-address=:9588 --config.file=/tmp/config.yml > exporter-nocap.log 2>&1 &
WITHOUT_CAP=$!
if wait_ready 9587 && wait_ready 9588; then
  info with_cap_status "$(grep -E '^(Uid|CapEff)' /proc/$WITH_CAP/status | tr '\t\n' '  ')"
  info without_cap_status "$(grep -E '^(Uid|CapEff)' /proc/$WITHOUT_CAP/status | tr '\t\n' '  ')"
  check cap_is_nonroot "uid 65534, CapEff only net_admin" \
    test "$(awk '/^Uid:/ { print $2 } /^CapEff:/ { print $2 }' /proc/$WITH_CAP/status | tr '\n' ' ')" = "65534 0000000000001000 "
  scrape_small 9587 cap.txt
  check cap_reads_kernel "wg0 up 1" test "$(value cap.txt wireguard_interface_up 'interface="wg0"')" = 1
  check cap_reads_peers "handshake peer online 1" test "$(value cap.txt wireguard_peer_online "$peer")" = 1
  check cap_reads_big_device "2000 peers" test "$(value cap.txt wireguard_interface_peers 'interface="wg1"')" = 2000

  check nocap_is_nonroot "uid 65534, no capabilities" \
    test "$(awk '/^Uid:/ { print $2 } /^CapEff:/ { print $2 }' /proc/$WITHOUT_CAP/status | tr '\n' ' ')" = "65534 0000000000000000 "
  scrape 9588 nocap.txt
  check nocap_interface_down "wg0 up 0" test "$(value nocap.txt wireguard_interface_up 'interface="wg0"')" = 0
  check nocap_no_peers "no peer series" test "$(grep -c '^wireguard_peer_online{' nocap.txt)" = 0
  check nocap_log "log names CAP_NET_ADMIN" grep -q "CAP_NET_ADMIN" exporter-nocap.log
  info nocap_log_line "$(grep -m 1 CAP_NET_ADMIN exporter-nocap.log)"
  scrape 9588 nocap2.txt
  check nocap_still_serving "second scrape answered, process alive" kill -0 "$WITHOUT_CAP"
else
  fail nonroot_start "setpriv exporters not ready"
  tail -n 10 exporter-cap.log exporter-nocap.log
fi
at nonroot_done
kill "$WITH_CAP" "$WITHOUT_CAP" 2>/dev/null

# --- network namespaces --------------------------------------------------------
# Kernel interfaces in two named namespaces, both called wg0 like the one
# here, completing a handshake over a veth pair between them; a namespace held
# only by a process; namespaces added and deleted between scrapes.
mkdir -p /run  # ip(8) keeps named namespaces in /run/netns
ipf() { /usr/bin/ip-full "$@"; }
nsfs_fds() { ls -l "/proc/$1/fd" 2> /dev/null | grep -c 'net:\['; }
own_value() {  # own_value FILE METRIC INTERFACE: the series without a netns label
  grep "^$2{interface=\"$3\"[,}]" "$1" | grep -v 'netns="' | head -n 1 | awk '{ print $NF }'
}
check ns_named "ip netns add vpna vpnb" sh -c '/usr/bin/ip-full netns add vpna && /usr/bin/ip-full netns add vpnb'
ipf link add va netns vpna type veth peer name vb netns vpnb
for n in a b; do
  ipf -n vpn$n link set lo up
  ipf -n vpn$n link set v$n up
  ipf -n vpn$n link add wg0 type wireguard
done
ipf -n vpna addr add 10.201.0.1/24 dev va
ipf -n vpnb addr add 10.201.0.2/24 dev vb
D_PUB=$(cat d.pub)
ipf netns exec vpna wg set wg0 listen-port 51850 private-key c.key \
  peer "$D_PUB" endpoint 10.201.0.2:51851 allowed-ips 10.202.0.2/32
ipf netns exec vpnb wg set wg0 listen-port 51851 private-key d.key \
  peer "$C_PUB" allowed-ips 10.202.0.1/32
ipf -n vpna addr add 10.202.0.1/24 dev wg0
ipf -n vpnb addr add 10.202.0.2/24 dev wg0
ipf -n vpna link set wg0 up
ipf -n vpnb link set wg0 up
check ns_handshake "ping between wg0 of vpna and wg0 of vpnb" ipf netns exec vpna ping -c 1 -W 10 10.202.0.2
# Held by a process only: not in /run/netns.
unshare -n sh -c 'ip link add wgp type wireguard && exec sleep 100000' &
NS3=$!
sleep 1
printf 'namespaces:\n  discover: [named, processes]\ninterfaces:\n  - name: wg0\n    netns: vpna\n    labels: {site: vpna}\n' > ns.yml
chmod 644 ns.yml
wireguard_exporter --web.listen-address=:9589 --config.file=/tmp/ns.yml > exporter-ns.log 2>&1 &
NS_EXPORTER=$!
if wait_ready 9589; then
  scrape_small 9589 ns1.txt
  check ns_own_wg0 "wg0 of the own namespace up" test "$(own_value ns1.txt wireguard_interface_up wg0)" = 1
  check ns_vpna_wg0 "wg0 of vpna up, configured label" test "$(value ns1.txt wireguard_interface_up 'interface="wg0"' 'netns="vpna"' 'site="vpna"')" = 1
  check ns_vpnb_wg0 "wg0 of vpnb up" test "$(value ns1.txt wireguard_interface_up 'interface="wg0"' 'netns="vpnb"')" = 1
  check ns_vpna_key "wg0 of vpna has its own key" test -n "$(series ns1.txt wireguard_interface_info 'netns="vpna"' "public_key=\"$C_PUB\"" 'listen_port="51850"')"
  check ns_handshake_online "vpna's peer online" test "$(value ns1.txt wireguard_peer_online 'netns="vpna"' "public_key=\"$D_PUB\"")" = 1
  check ns_process "wgp of the process-held namespace up" test "$(value ns1.txt wireguard_interface_up 'interface="wgp"' "netns=\"pid-$NS3\"")" = 1
  check ns_process_wgpeer "wgpeer of the earlier unshared namespace up" test "$(value ns1.txt wireguard_interface_up 'interface="wgpeer"' "netns=\"pid-$NS2\"")" = 1
  check ns_up_all "netns_up 1 for own, vpna, vpnb, pid-$NS3" test "$(value ns1.txt wireguard_netns_up 'netns=""')$(value ns1.txt wireguard_netns_up 'netns="vpna"')$(value ns1.txt wireguard_netns_up 'netns="vpnb"')$(value ns1.txt wireguard_netns_up "netns=\"pid-$NS3\"")" = 1111
  check ns_interfaces "netns_interfaces vpna 1" test "$(value ns1.txt wireguard_netns_interfaces 'netns="vpna"')" = 1
  info ns_count "$(grep -c '^wireguard_netns_up{' ns1.txt) namespaces, $(grep -c '^wireguard_interface_up{' ns1.txt) interfaces"
  info ns_scrape_duration "$(awk '/^wireguard_exporter_scrape_duration_seconds / { print $2 }' ns1.txt)"
  check ns_no_fds "no nsfs descriptor held after a scrape" test "$(nsfs_fds $NS_EXPORTER)" = 0
  ipf netns add vpnc
  ipf -n vpnc link add wg9 type wireguard
  scrape_small 9589 ns2.txt
  check ns_added "wg9 of the new vpnc appears" test "$(value ns2.txt wireguard_interface_up 'interface="wg9"' 'netns="vpnc"')" = 1
  ipf netns del vpnc
  kill "$NS3"
  sleep 1
  scrape_small 9589 ns3.txt
  check ns_deleted "vpnc and pid-$NS3 gone" test "$(grep -c -e 'netns="vpnc"' -e "netns=\"pid-$NS3\"" ns3.txt)" = 0
  check ns_no_fds_after "no nsfs descriptor held" test "$(nsfs_fds $NS_EXPORTER)" = 0
else
  fail ns_exporter_start "not ready on :9589"
  tail -n 10 exporter-ns.log
fi
kill "$NS_EXPORTER" 2>/dev/null

# Without CAP_SYS_ADMIN the other namespaces are down and the own one read;
# with it, every named namespace is read.
printf 'namespaces:\n  discover: [named]\n' > ns-named.yml
chmod 644 ns-named.yml
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin \
  wireguard_exporter --web.listen-address=:9590 --config.file=/tmp/ns-named.yml > exporter-ns-netadmin.log 2>&1 &
NS_NETADMIN=$!
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin,+sys_admin \
  --ambient-caps=+net_admin,+sys_admin \
  wireguard_exporter --web.listen-address=:9591 --config.file=/tmp/ns-named.yml > exporter-ns-sysadmin.log 2>&1 &
NS_SYSADMIN=$!
if wait_ready 9590 && wait_ready 9591; then
  scrape_small 9590 ns-netadmin.txt
  check ns_netadmin_own "own wg0 still read" test "$(own_value ns-netadmin.txt wireguard_interface_up wg0)" = 1
  check ns_netadmin_down "vpna and vpnb netns_up 0" test "$(value ns-netadmin.txt wireguard_netns_up 'netns="vpna"')$(value ns-netadmin.txt wireguard_netns_up 'netns="vpnb"')" = 00
  check ns_netadmin_log "log names CAP_SYS_ADMIN" grep -q CAP_SYS_ADMIN exporter-ns-netadmin.log
  scrape_small 9591 ns-sysadmin.txt
  check ns_sysadmin_all "vpna and vpnb read" test "$(value ns-sysadmin.txt wireguard_netns_up 'netns="vpna"')$(value ns-sysadmin.txt wireguard_interface_up 'interface="wg0"' 'netns="vpnb"')" = 11
else
  fail ns_nonroot_start "setpriv exporters not ready"
  tail -n 10 exporter-ns-netadmin.log exporter-ns-sysadmin.log
fi
kill "$NS_NETADMIN" "$NS_SYSADMIN" 2>/dev/null
at namespaces_done
kill "$NS2" 2>/dev/null
finish
