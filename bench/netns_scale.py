#!/usr/bin/env python3
"""What reading many network namespaces adds to a scrape.

    bench/netns_scale.py                      # as root; 50 x 1 x 200, ~2 minutes
    bench/netns_scale.py --namespaces 20 --peers 500 --scrapes 30

Starts one wireguard-go interface with P fake peers in each of N named
namespaces (ip netns add), and two exporters over the very same interfaces:

- "own only": no namespaces section; it reads every socket of the host's
  /run/wireguard as its own namespace's (as before namespace support);
- "namespaces": `namespaces: {discover: [named]}`; it enters every namespace
  (a thread each, setns), dumps its links, and attributes each socket to the
  namespace holding its tun device, so every series carries `netns`.

Both read N x P peers over the same sockets; the difference is what the
namespaces add. Scrapes alternate between the two, so load from elsewhere
hits both alike. Reports the median and p90 scrape time, the exporter's own
read phase (wireguard_exporter_scrape_duration_seconds), CPU per scrape and
the answer's size. The peers are fake (no endpoint, no traffic) and the
interfaces stay down, so nothing is sent. Everything it makes is removed,
also on failure.
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import wgnet  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def fake_peers(count):
    lines = []
    for i in range(count):
        lines += ["[Peer]", f"PublicKey = {wgnet.random_key()}",
                  f"AllowedIPs = 10.{(i >> 8) & 255}.{i & 255}.0/24"]
    return "\n".join(lines) + "\n"


def measure(exporter, scrapes):
    times, reads, sizes = [], [], []
    cpu_before = cpu_seconds(exporter.pid)
    for _ in range(scrapes):
        scrape = exporter.scrape(timeout=60)
        times.append(scrape.duration_seconds)
        reads.append(scrape.value("wireguard_exporter_scrape_duration_seconds"))
        sizes.append(scrape.size_bytes)
    return times, reads, sizes, cpu_seconds(exporter.pid) - cpu_before


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--peers", type=int, default=200)
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results",
                                                          "netns-scale.txt"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("netns_scale.py: needs root (network namespaces, wireguard-go): run it as root")
    # Each wireguard-go holds an inotify instance: raised for the run, put back after.
    limit_path = "/proc/sys/fs/inotify/max_user_instances"
    with open(limit_path) as f:
        old_limit = f.read().strip()
    try:
        wgnet.raise_inotify_limit(args.namespaces + 64)
        run(args)
    finally:
        with open(limit_path, "w") as f:
            f.write(old_limit)


def run(args):

    lines = []

    def log(text=""):
        print(text, flush=True)
        lines.append(text)

    with wgnet.Network("b") as net:
        for i in range(args.namespaces):
            ns = net.namespace(f"n{i}")
            iface = net.wg_interface(ns, f"w{i}")
            iface.set_identity(wgnet.Keypair.generate(), 40000 + i)
            iface.setconf(f"[Interface]\nPrivateKey = {iface.keypair.private}\n"
                          f"ListenPort = {40000 + i}\n" + fake_peers(args.peers))
        only = {"exclude": wgnet.exclude_all_but(net.base)}
        spread = dict(only, namespaces={"discover": ["named"],
                                        "exclude": wgnet.exclude_all_but(net.base)})
        exporters = {}
        for label, body in (("own only", only), ("namespaces", spread)):
            path = os.path.join(net.workdir, label.replace(" ", "-") + ".yml")
            wgnet.write_file_atomically(path, wgnet.yaml_dump(body) + "\n")
            exporter = wgnet.Exporter(net.workdir, config_file=path, log_level="warn")
            exporter.keep_bodies = False
            exporters[label] = exporter.start()
        try:
            results = {label: ([], [], [], 0.0) for label in exporters}
            for exporter in exporters.values():
                measure(exporter, 3)  # warm up
                first = exporter.scrape()
                interfaces = len(first.find("wireguard_interface_up"))
                peers = len(first.find("wireguard_peer_online"))
                if interfaces != args.namespaces or peers != args.namespaces * args.peers:
                    raise SystemExit(f"expected {args.namespaces} interfaces and "
                                     f"{args.namespaces * args.peers} peers, got {interfaces} "
                                     f"and {peers}")
            for _ in range(args.scrapes):
                for label, exporter in exporters.items():
                    t, r, s, c = measure(exporter, 1)
                    old = results[label]
                    results[label] = (old[0] + t, old[1] + r, old[2] + s, old[3] + c)
            with open("/proc/loadavg") as f:
                load = f.read().split()[0]
            log(f"# netns_scale {time.strftime('%Y-%m-%d %H:%M:%S')}: {args.namespaces} "
                f"namespaces x 1 interface x {args.peers} peers, {args.scrapes} alternating "
                f"scrapes each, load average {load}")
            log("| exporter | scrape median | p90 | read phase median | CPU per scrape | bytes |")
            log("|---|---|---|---|---|---|")
            summary = {}
            for label, (times, reads, sizes, cpu) in results.items():
                times.sort()
                median = statistics.median(times)
                p90 = times[int(0.9 * (len(times) - 1))]
                read = statistics.median(reads)
                per = cpu / len(times)
                summary[label] = (median, read, per)
                log(f"| {label} | {median * 1000:.1f} ms | {p90 * 1000:.1f} ms | "
                    f"{read * 1000:.1f} ms | {per * 1000:.1f} ms | {sizes[0]:,} |")
            own, spread_ = summary["own only"], summary["namespaces"]
            log(f"namespaces add {(spread_[0] - own[0]) * 1000:+.1f} ms per scrape "
                f"({(spread_[0] - own[0]) / args.namespaces * 1e6:+.0f} us per namespace), "
                f"{(spread_[1] - own[1]) * 1000:+.1f} ms to the read phase, "
                f"{(spread_[2] - own[2]) * 1000:+.1f} ms of CPU")
        finally:
            for exporter in exporters.values():
                exporter.stop()
    if args.results:
        with open(args.results, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
