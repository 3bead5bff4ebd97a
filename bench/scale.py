#!/usr/bin/env python3
"""End-to-end scale benchmark: the exporter's scrape next to `wg show all dump`
and the raw UAPI read floor, on N wireguard-go interfaces with M peers each.

    sudo bench/scale.py                       # every default size, ~10 minutes
    sudo bench/scale.py --sizes 1x10,10x100 --scrapes 20

Runs as root in a private mount namespace whose /run/wireguard is an empty
tmpfs, so the wireguard-go interfaces it starts (named wgp0, wgp1, ...) are
the only userspace interfaces that the exporter, `wg show all dump` and the
raw reader can see, while other interfaces on the machine stay untouched.
The peers are fake (random keys, no handshake, no traffic; endpoints on
loopback); the interfaces are never set up, so nothing is ever sent.

For every size, the three readers are measured in the same loop, one after
the other in a rotating order, so load from anything else on the machine hits
all of them alike. The output (also written to bench/results/) gives latency
percentiles, response sizes, the exporter's CPU seconds per scrape and peak
RSS, the ratios exporter / wg and exporter / raw floor, the per-peer slope and
the cost of each series family that the YAML `metrics: {disable: [...]}` can
switch off.
"""

import argparse
import base64
import datetime
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
import procs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "wgp"
SOCKET_DIR = "/run/wireguard"  # /var/run is /run on Debian
NAMESPACE_MARK = "WGX_SCALE_BENCH_PRIVATE_MOUNTS"
FAMILIES = ["peer_info", "peer_bytes", "peer_handshake_timestamp", "peer_handshake_age",
            "peer_keepalive", "peer_online"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Log:
    """Prints to stdout and to the results file."""

    def __init__(self, path):
        self.file = open(path, "w", encoding="utf-8") if path else None

    def __call__(self, text=""):
        print(text, flush=True)
        if self.file:
            self.file.write(text + "\n")
            self.file.flush()


def parse_sizes(text):
    sizes = []
    for item in text.split(","):
        n, m = item.lower().split("x")
        sizes.append((int(n), int(m)))
    return sizes


def b64key():
    return base64.b64encode(os.urandom(32)).decode()


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


# --------------------------------------------------------------------------
# Building


def build(args, log):
    build_dir = os.path.join(ROOT, "build-perf")
    if args.exporter:
        exporter = os.path.abspath(args.exporter)
    else:
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                 "-DWGX_BUILD_BENCHMARKS=OFF"], stdout=subprocess.DEVNULL)
        log(f"building wireguard_exporter in {build_dir} ...")
        run(["cmake", "--build", build_dir, "--target", "wireguard_exporter", "-j2"],
            stdout=subprocess.DEVNULL)
        exporter = os.path.join(build_dir, "wireguard_exporter")
    os.makedirs(build_dir, exist_ok=True)
    raw_floor = os.path.join(build_dir, "raw_floor")
    source = os.path.join(ROOT, "bench", "raw_floor.c")
    if not os.path.exists(raw_floor) or os.path.getmtime(raw_floor) < os.path.getmtime(source):
        run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-Wextra", "-o", raw_floor, source])
    return exporter, raw_floor


# --------------------------------------------------------------------------
# Private mount namespace


def enter_private_namespace():
    """Re-executes this script inside `unshare --mount` unless already there."""
    if os.environ.get(NAMESPACE_MARK) == "1":
        return
    env = dict(os.environ, **{NAMESPACE_MARK: "1"})
    cmd = ["unshare", "--mount", "--propagation", "private", sys.executable,
           os.path.abspath(__file__)] + sys.argv[1:]
    child = subprocess.Popen(cmd, env=env)
    # The child has its own cleanup; pass Ctrl-C / SIGTERM on and wait for it.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    sys.exit(child.wait())


def mount_private_socket_dir():
    os.makedirs(SOCKET_DIR, exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "wgx-scale-bench", SOCKET_DIR])
    if os.listdir(SOCKET_DIR):
        raise RuntimeError(f"{SOCKET_DIR} is not empty after mounting a tmpfs on it")


# --------------------------------------------------------------------------
# wireguard-go interfaces


class Interfaces:
    def __init__(self, count, peers, work_dir):
        self.names = [f"{PREFIX}{i}" for i in range(count)]
        self.peers = peers
        self.work_dir = work_dir
        self.processes = []

    def socket_paths(self):
        return [os.path.join(SOCKET_DIR, name + ".sock") for name in self.names]

    def start(self):
        env = dict(os.environ, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KERNELSPACE="1",
                   LOG_LEVEL="error")
        for name in self.names:
            if os.path.exists(f"/sys/class/net/{name}"):
                raise RuntimeError(f"interface {name} already exists (a stale run?); remove it "
                                   "first: this benchmark only removes what it created")
        for name in self.names:
            # -f keeps it in the foreground, so its PID is ours to stop.
            self.processes.append(subprocess.Popen(
                ["wireguard-go", "-f", name], env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        for path, process in zip(self.socket_paths(), self.processes):
            while not os.path.exists(path):
                if process.poll() is not None:
                    raise RuntimeError(f"wireguard-go for {path} exited with {process.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{path} did not appear")
                time.sleep(0.02)
        for index, name in enumerate(self.names):
            conf = os.path.join(self.work_dir, name + ".conf")
            with open(conf, "w", encoding="ascii") as f:
                f.write(f"[Interface]\nPrivateKey = {b64key()}\nListenPort = 0\n")
                for j in range(self.peers):
                    # Endpoints on loopback: even a stray packet could only go there.
                    f.write(f"[Peer]\nPublicKey = {b64key()}\n"
                            f"AllowedIPs = 10.{index % 256}.{j >> 8 & 255}.{j & 255}/32\n"
                            f"Endpoint = 127.1.{j >> 8 & 255}.{j & 255}:51820\n")
            run(["wg", "setconf", name, conf])
            os.unlink(conf)
        check = subprocess.run(["wg", "show", self.names[-1], "peers"], check=True,
                               capture_output=True, text=True)
        if len(check.stdout.split()) != self.peers:
            raise RuntimeError(f"{self.names[-1]} has {len(check.stdout.split())} peers, "
                               f"expected {self.peers}")

    def stop(self):
        procs.stop_all(self.processes)
        self.processes = []


# --------------------------------------------------------------------------
# The exporter


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    def __init__(self, binary, work_dir, disable=()):
        self.binary = binary
        self.work_dir = work_dir
        self.disable = list(disable)
        self.process = None
        self.url = None

    def start(self):
        config = os.path.join(self.work_dir, "exporter.yml")
        with open(config, "w", encoding="utf-8") as f:
            f.write("discover: true\n")
            if self.disable:
                f.write("metrics:\n  disable: [" + ", ".join(self.disable) + "]\n")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [self.binary, f"--web.listen-address=127.0.0.1:{port}", f"--config.file={config}",
             "--log.level=error"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the exporter exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/-/healthy", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the exporter did not become healthy")
            time.sleep(0.05)

    def stop(self):
        procs.stop(self.process)
        self.process = None

    def cpu_sample(self):
        """(utime+stime in clock ticks of the whole process, {thread: on-CPU ns})."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        threads = {}
        task_dir = f"/proc/{self.process.pid}/task"
        for tid in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{tid}/schedstat", encoding="ascii") as f:
                    threads[tid] = int(f.read().split()[0])
            except OSError:
                pass
        return int(fields[11]) + int(fields[12]), threads

    @staticmethod
    def cpu_between(before, after):
        """CPU seconds between two samples: nanosecond schedstat sums while the
        threads stay the same, else utime+stime (which counts exited threads
        too, but only in clock ticks)."""
        if before[1].keys() == after[1].keys():
                return (sum(after[1].values()) - sum(before[1].values())) / 1e9
        return (after[0] - before[0]) / CLOCK_TICKS

    def peak_rss_kib(self):
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def fetch_text(self):
        with urllib.request.urlopen(self.url + "/metrics", timeout=60) as r:
            return r.read().decode()


def curl_scrape(url, gzip):
    """One scrape by curl: (seconds, bytes received)."""
    cmd = ["curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{time_total} %{size_download}",
           "--max-time", "60"]
    if gzip:
        cmd += ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(cmd + [url + "/metrics"], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1])


# --------------------------------------------------------------------------
# Measurement


def percentile(values, p):
    """Nearest-rank percentile (with 30 samples, p99 is the slowest one)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def check_exposition(text, interfaces):
    """The scrape must really contain every interface and peer."""
    seen = 0
    up = 0
    for line in text.splitlines():
        if line.startswith("wireguard_interface_peers{"):
            seen += int(line.rsplit(" ", 1)[1])
        elif line.startswith("wireguard_interface_up{") and line.endswith(" 1"):
            up += 1
    expected = len(interfaces.names) * interfaces.peers
    if up != len(interfaces.names) or seen != expected:
        raise RuntimeError(f"the exporter saw {up} interfaces up and {seen} peers; expected "
                           f"{len(interfaces.names)} and {expected}")


class StaticServer:
    """busybox httpd serving one file: what sending the exposition's bytes
    over loopback HTTP costs when there is nothing to read, parse or write."""

    def __init__(self, work_dir, body):
        self.root = os.path.join(work_dir, "static")
        os.makedirs(self.root, exist_ok=True)
        with open(os.path.join(self.root, "metrics"), "wb") as f:
            f.write(body)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            ["busybox", "httpd", "-f", "-p", f"127.0.0.1:{port}", "-h", self.root],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("busybox httpd did not start")
                time.sleep(0.02)

    def stop(self):
        procs.stop(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


def read_phase_seconds(text):
    """The exporter's own time to list, read and parse every interface."""
    for line in reversed(text.splitlines()):
        if line.startswith("wireguard_exporter_scrape_duration_seconds "):
            return float(line.split()[1])
    raise RuntimeError("no wireguard_exporter_scrape_duration_seconds in the exposition")


def measure_size(args, exporter_binary, raw_floor, interfaces, work_dir, scrapes):
    exporter = Exporter(exporter_binary, work_dir)
    exporter.start()
    static = None
    try:
        text = exporter.fetch_text()
        check_exposition(text, interfaces)
        if shutil.which("busybox"):
            static = StaticServer(work_dir, text.encode())
        del text
        curl_scrape(exporter.url, gzip=True)  # warm-up: both paths once
        samples = {"plain": [], "gzip": [], "wg": [], "raw": [], "read": [], "transfer": []}
        cpu = {"plain": 0.0, "gzip": 0.0}
        size = {}

        def scrape(kind):
            before = exporter.cpu_sample()
            seconds, received = curl_scrape(exporter.url, gzip=(kind == "gzip"))
            cpu[kind] += Exporter.cpu_between(before, exporter.cpu_sample())
            samples[kind].append(seconds)
            size[kind] = received

        def wg_dump(_kind):
            # Only this benchmark's interfaces are visible in this namespace,
            # so `all` covers exactly the interfaces the exporter reads. Timed
            # from outside: the fork and exec are what a forking exporter pays.
            start = time.perf_counter()
            subprocess.run(["wg", "show", "all", "dump"], check=True, stdout=subprocess.DEVNULL)
            samples["wg"].append(time.perf_counter() - start)

        def raw(_kind):
            out = subprocess.run([raw_floor] + interfaces.socket_paths(), check=True,
                                 capture_output=True, text=True).stdout.split()
            samples["raw"].append(float(out[0]))
            size["raw"] = int(out[1])

        def read_phase(_kind):
            # A scrape of its own, untimed: the body says how long the
            # exporter took to read before it began to write.
            samples["read"].append(read_phase_seconds(exporter.fetch_text()))

        def transfer(_kind):
            seconds, _ = curl_scrape(static.url, gzip=False)
            samples["transfer"].append(seconds)

        steps = [("plain", scrape), ("gzip", scrape), ("wg", wg_dump), ("raw", raw),
                 ("read", read_phase)]
        if static:
            steps.append(("transfer", transfer))
        for i in range(scrapes):
            rotation = i % len(steps)
            for kind, step in steps[rotation:] + steps[:rotation]:
                step(kind)
        size["wg"] = len(subprocess.run(["wg", "show", "all", "dump"], check=True,
                                        capture_output=True).stdout)
        result = {
            "n": len(interfaces.names), "m": interfaces.peers, "k": scrapes,
            "p50": {k: statistics.median(v) for k, v in samples.items() if v},
            "p99": {k: percentile(v, 99) for k, v in samples.items() if v},
            "bytes": size,
            "cpu": {k: v / scrapes for k, v in cpu.items()},
            "rss_kib": exporter.peak_rss_kib(),
        }
        return result
    finally:
        exporter.stop()
        if static:
            static.stop()


def measure_families(exporter_binary, interfaces, work_dir, scrapes):
    """CPU and bytes per scrape with each switchable family turned off."""
    variants = [("(all on)", [])] + [(f, [f]) for f in FAMILIES] + [("(all six off)", FAMILIES)]
    rows = []
    for label, disable in variants:
        exporter = Exporter(exporter_binary, work_dir, disable)
        exporter.start()
        try:
            curl_scrape(exporter.url, gzip=False)
            times, cpu_plain, cpu_gzip = [], 0.0, 0.0
            plain_bytes = gzip_bytes = 0
            for _ in range(scrapes):
                before = exporter.cpu_sample()
                seconds, plain_bytes = curl_scrape(exporter.url, gzip=False)
                middle = exporter.cpu_sample()
                _, gzip_bytes = curl_scrape(exporter.url, gzip=True)
                cpu_plain += Exporter.cpu_between(before, middle)
                cpu_gzip += Exporter.cpu_between(middle, exporter.cpu_sample())
                times.append(seconds)
            rows.append((label, statistics.median(times), plain_bytes, gzip_bytes,
                         cpu_plain / scrapes, cpu_gzip / scrapes, exporter.peak_rss_kib()))
        finally:
            exporter.stop()
    return rows


# --------------------------------------------------------------------------
# Reporting


def ms(seconds):
    return f"{seconds * 1000:8.1f}"


def report(results, family_rows, family_size, log):
    log("")
    log("Latency per scrape, milliseconds (median / p99 over K rounds; p99 is nearest-rank)")
    log(f"{'size':>9} {'peers':>7} {'K':>3} | {'exp p50':>8} {'exp p99':>8} | {'gz p50':>8} "
        f"{'gz p99':>8} | {'wg p50':>8} {'wg p99':>8} | {'raw p50':>8} {'raw p99':>8}")
    for r in results:
        p50, p99 = r["p50"], r["p99"]
        log(f"{r['n']:>4}x{r['m']:<4} {r['n'] * r['m']:>7} {r['k']:>3} | {ms(p50['plain'])} "
            f"{ms(p99['plain'])} | {ms(p50['gzip'])} {ms(p99['gzip'])} | {ms(p50['wg'])} "
            f"{ms(p99['wg'])} | {ms(p50['raw'])} {ms(p99['raw'])}")
    log("")
    log("Ratios of medians (targets: exporter/wg <= 1.0, exporter/raw <= 1.15)")
    log(f"{'size':>9} | {'exp/wg':>7} {'exp/raw':>8} | {'gz/wg':>7} {'gz/raw':>8}")
    for r in results:
        p50 = r["p50"]
        log(f"{r['n']:>4}x{r['m']:<4} | {p50['plain'] / p50['wg']:7.2f} "
            f"{p50['plain'] / p50['raw']:8.2f} | {p50['gzip'] / p50['wg']:7.2f} "
            f"{p50['gzip'] / p50['raw']:8.2f}")
    log("")
    log("Where an uncompressed scrape's time goes (medians, ms). read: the exporter's own "
        "list+read+parse time")
    log("(wireguard_exporter_scrape_duration_seconds); transfer: curl fetching a static file of "
        "the same bytes")
    log("from busybox httpd; raw+transfer: what an exporter that parsed and wrote nothing would "
        "still take.")
    log(f"{'size':>9} | {'raw':>8} {'read':>8} {'transfer':>8} {'exporter':>8} | {'read/raw':>8} "
        f"{'(raw+transfer)/raw':>18}")
    for r in results:
        p50 = r["p50"]
        transfer = p50.get("transfer")
        bound = (f"{(p50['raw'] + transfer) / p50['raw']:18.2f}" if transfer is not None
                 else f"{'(no busybox)':>18}")
        log(f"{r['n']:>4}x{r['m']:<4} | {ms(p50['raw'])} {ms(p50['read'])} "
            f"{ms(transfer) if transfer is not None else '       -'} {ms(p50['plain'])} | "
            f"{p50['read'] / p50['raw']:8.2f} {bound}")
    log("")
    log("Sizes and the exporter's resources (CPU = on-CPU time of all exporter threads per scrape)")
    log(f"{'size':>9} | {'exp bytes':>11} {'gzip bytes':>11} {'wg bytes':>10} {'raw bytes':>10} | "
        f"{'cpu ms':>7} {'cpu gz ms':>9} | {'peak RSS MiB':>12}")
    for r in results:
        b = r["bytes"]
        log(f"{r['n']:>4}x{r['m']:<4} | {b['plain']:>11} {b['gzip']:>11} {b['wg']:>10} "
            f"{b['raw']:>10} | {r['cpu']['plain'] * 1000:7.1f} {r['cpu']['gzip'] * 1000:9.1f} | "
            f"{r['rss_kib'] / 1024:12.1f}")

    big = [r for r in results if r["n"] * r["m"] >= 1000]
    if len(big) >= 2:
        log("")
        log("Cost per peer (microseconds) and growth from the smallest to the largest size >= 1,000 "
            "peers")
        log(f"{'size':>9} | {'exp p50/peer':>12} {'raw p50/peer':>12} {'cpu/peer':>9} "
            f"{'cpu gz/peer':>11}")
        for r in big:
            peers = r["n"] * r["m"]
            log(f"{r['n']:>4}x{r['m']:<4} | {r['p50']['plain'] / peers * 1e6:12.2f} "
                f"{r['p50']['raw'] / peers * 1e6:12.2f} {r['cpu']['plain'] / peers * 1e6:9.2f} "
                f"{r['cpu']['gzip'] / peers * 1e6:11.2f}")

        def exponent(key, kind):
            xs = [math.log(r["n"] * r["m"]) for r in big]
            ys = [math.log(max(r[key][kind], 1e-6)) for r in big]
            mx, my = statistics.mean(xs), statistics.mean(ys)
            return (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) /
                    sum((x - mx) ** 2 for x in xs))

        first, last = big[0], big[-1]
        pf, pl = first["n"] * first["m"], last["n"] * last["m"]
        log("")
        log("Log-log slope of cost against peers (1.0 = cost per peer flat, >1 = grows faster):")
        log(f"  exporter median latency {exponent('p50', 'plain'):.3f}, gzip "
            f"{exponent('p50', 'gzip'):.3f}, wg {exponent('p50', 'wg'):.3f}, raw floor "
            f"{exponent('p50', 'raw'):.3f}; exporter CPU {exponent('cpu', 'plain'):.3f}, CPU with "
            f"gzip {exponent('cpu', 'gzip'):.3f}")
        log(f"  marginal exporter cost per peer from {pf} to {pl} peers: latency "
            f"{(last['p50']['plain'] - first['p50']['plain']) / (pl - pf) * 1e6:.2f} us, CPU "
            f"{(last['cpu']['plain'] - first['cpu']['plain']) / (pl - pf) * 1e6:.2f} us")

    if family_rows:
        n, m = family_size
        base = family_rows[0]
        log("")
        log(f"Cost of each switchable family at {n}x{m} ({n * m} peers): one family disabled at a "
            "time (metrics: {disable: [...]})")
        log(f"{'disabled':>26} | {'p50 ms':>8} {'bytes':>11} {'gzip bytes':>11} {'cpu ms':>7} "
            f"{'cpu gz ms':>9} {'RSS MiB':>8} | {'saves bytes':>11} {'saves cpu ms':>12} "
            f"{'saves gz ms':>11}")
        for label, p50, plain_bytes, gzip_bytes, cpu_plain, cpu_gzip, rss in family_rows:
            log(f"{label:>26} | {ms(p50)} {plain_bytes:>11} {gzip_bytes:>11} "
                f"{cpu_plain * 1000:7.1f} {cpu_gzip * 1000:9.1f} {rss / 1024:8.1f} | "
                f"{base[2] - plain_bytes:>11} {(base[4] - cpu_plain) * 1000:12.1f} "
                f"{(base[5] - cpu_gzip) * 1000:11.1f}")


# --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1x10,10x100,50x200,100x1000",
                        help="comma-separated INTERFACESxPEERS (default: %(default)s)")
    parser.add_argument("--scrapes", type=int, default=30,
                        help="rounds per size (default %(default)s; a third of it, at least 10, "
                             "from 50,000 peers on)")
    parser.add_argument("--families", default="50x200",
                        help="size at which to measure each switchable family ('' to skip; "
                             "must be one of --sizes; default %(default)s)")
    parser.add_argument("--exporter", help="use this exporter binary instead of building one")
    parser.add_argument("--output", help="results file (default bench/results/scale-<time>.txt; "
                                         "'-' for none)")
    args = parser.parse_args()

    if os.geteuid() != 0:
        sys.exit("scale.py: must run as root (wireguard-go, mount namespaces)")
    for tool in ("wireguard-go", "wg", "curl", "unshare", "cmake"):
        if shutil.which(tool) is None:
            sys.exit(f"scale.py: {tool} not found")
    sizes = parse_sizes(args.sizes)
    family_size = parse_sizes(args.families)[0] if args.families else None

    if os.environ.get(NAMESPACE_MARK) != "1":
        # Build outside the namespace, once, with output to the terminal.
        build(args, print)
        enter_private_namespace()

    if args.output == "-":
        output = None
    else:
        output = args.output or os.path.join(
            ROOT, "bench", "results",
            "scale-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ".txt")
        os.makedirs(os.path.dirname(output), exist_ok=True)
    log = Log(output)
    exporter_binary, raw_floor = build(args, lambda _t: None)

    # SIGTERM must unwind through the finally blocks like Ctrl-C does.
    def terminate(_sig, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    work_dir = tempfile.mkdtemp(prefix="wgx-scale-")
    inotify_path = "/proc/sys/fs/inotify/max_user_instances"
    inotify_before = None
    interfaces = None
    try:
        mount_private_socket_dir()
        most = max(n for n, _ in sizes)
        with open(inotify_path, encoding="ascii") as f:
            current = int(f.read())
        if current < most * 2 + 128:
            inotify_before = current
            with open(inotify_path, "w", encoding="ascii") as f:
                f.write(str(most * 2 + 128))

        revision = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                                  capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "exporter"],
                               capture_output=True, text=True).stdout.strip()
        with open("/proc/loadavg", encoding="ascii") as f:
            load = f.read().split()[:3]
        log(f"wireguard_exporter scale benchmark, {datetime.datetime.now().isoformat(' ', 'seconds')}")
        log(f"revision {revision}{' (exporter/ modified)' if dirty else ''}; exporter "
            f"{exporter_binary}; {os.cpu_count()} CPUs; load average {' '.join(load)} at start")
        log(f"wireguard-go {subprocess.run(['wireguard-go', '--version'], capture_output=True, text=True).stdout.split(chr(10))[0]}")

        results = []
        family_rows = None
        for n, m in sizes:
            peers = n * m
            scrapes = args.scrapes if peers < 50_000 else max(10, args.scrapes // 3)
            log(f"-- {n} interfaces x {m} peers: starting wireguard-go ...")
            interfaces = Interfaces(n, m, work_dir)
            started = time.monotonic()
            interfaces.start()
            log(f"   ready in {time.monotonic() - started:.1f} s; measuring {scrapes} rounds")
            results.append(measure_size(args, exporter_binary, raw_floor, interfaces, work_dir,
                                        scrapes))
            r = results[-1]
            log(f"   exporter {r['p50']['plain'] * 1000:.1f} ms (gzip {r['p50']['gzip'] * 1000:.1f}),"
                f" wg {r['p50']['wg'] * 1000:.1f} ms, raw {r['p50']['raw'] * 1000:.1f} ms, "
                f"RSS {r['rss_kib'] / 1024:.1f} MiB")
            if family_size == (n, m):
                log("   measuring the switchable families ...")
                family_rows = measure_families(exporter_binary, interfaces, work_dir,
                                               max(10, scrapes // 2))
            interfaces.stop()
            interfaces = None
        report(results, family_rows, family_size, log)
        with open("/proc/loadavg", encoding="ascii") as f:
            log("")
            log(f"load average {' '.join(f.read().split()[:3])} at the end (2 CPUs shared with "
                "whatever else runs: compare ratios from the same run, not absolute times "
                "across runs)")
        if output:
            log("")
            log(f"written to {os.path.relpath(output, ROOT)}")
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        if interfaces is not None:
            interfaces.stop()
        if inotify_before is not None:
            with open(inotify_path, "w", encoding="ascii") as f:
                f.write(str(inotify_before))
        subprocess.run(["umount", SOCKET_DIR], stderr=subprocess.DEVNULL)
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
