"""End to end: real wireguard-go peers, the exporter, Prometheus with the
shipped alert rules, Alertmanager with the shipped routes, and a webhook.

Topology: a gateway interface in one namespace with three peers,
  site-link     required="true", a real wireguard-go in its own namespace
  alice-laptop  no required label (road warrior), a real wireguard-go
  (unnamed)     required="true", a random key that never completes a handshake.
The exporter watches the gateway interface only.

Checked:
  1. Prometheus scrapes the exporter and evaluates every shipped rule without
     error.
  2. Every query of every dashboard panel and every variable query, with the
     variables set to this setup's real values (each of the three peers in
     turn for the peer dashboard), returns data; an invalid or empty query
     fails the test with the panel's title.
  3. Prometheus, with its default Accept header, scraped OpenMetrics (the
     target's metadata has the units only OpenMetrics carries) and holds
     exactly the series a text-format scrape of the exporter shows, with the
     same values where they do not move; the recording rules of
     config/compat/ give the Rust exporter's series for every peer.
  4. Stopping alice-laptop sends nothing; stopping site-link delivers
     WireGuardRequiredPeerOffline for it to the pager route of the webhook;
     restarting it delivers the resolution. The never-connected peer's alert
     arrives naming it by its public key. No other alert arrives.

Time is compressed so the run takes about a minute, derived mechanically
from the shipped files (see derive_rules and derive_alertmanager_config):
  - the exporter's online threshold is 15s instead of 3m, and the peers that
    are up are made to re-handshake every 4s (their side removes and re-adds
    the gateway peer), as a healthy peer re-handshakes every 2 minutes
    within a 3-minute threshold;
  - the shipped rule file with every `for:` replaced by `for: 3s`, nothing
    else changed;
  - the shipped Alertmanager config with group_wait/group_interval set to 1s
    and the receivers' webhook host pointed at the test's server (paths
    kept, so the test sees which route an alert took).
Scrape and evaluation interval 1s.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
import dashboard_queries  # noqa: E402
import procs  # noqa: E402
import wgnet  # noqa: E402

# Names of everything this test creates start with "wgas" (+ the PID tag).
wgnet.PREFIX = "wgas"

RULES = os.path.join(SOURCE, "config", "alerts", "wireguard.rules.yml")
COMPAT_RULES = os.path.join(SOURCE, "config", "compat", "prometheus_wireguard_exporter.rules.yml")
ALERTMANAGER_CONFIG = os.path.join(SOURCE, "config", "alertmanager.yml")
DASHBOARDS = [os.path.join(SOURCE, "dashboards", name)
              for name in ("wireguard-overview.json", "wireguard-peer.json")]
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"

ONLINE_THRESHOLD_S = 15
RENEW_EVERY_S = 4
TEST_FOR = "3s"
SCRAPE_INTERVAL = "1s"
# Grafana's $__rate_interval for a 1s scrape interval is 4s; 5s leaves a
# sample of slack.
BUILTINS = {"__rate_interval": "5s", "__interval": "1s", "__range": "1m"}


# --------------------------------------------------------------------------
# Deriving the short-timed variants of the shipped files


def derive_rules(text, for_duration=TEST_FOR):
    """The shipped rules with every `for:` set to `for_duration`."""
    derived, count = re.subn(r"(?m)^(\s+)for:\s*\S+\s*$", rf"\g<1>for: {for_duration}", text)
    alerts = len(re.findall(r"(?m)^\s*- alert:", text))
    if count != alerts:
        raise AssertionError(f"expected one `for:` per alert ({alerts}), replaced {count}")
    return derived


def derive_alertmanager_config(text, webhook_base):
    """The shipped Alertmanager config with 1s grouping delays and every
    webhook URL's scheme and host replaced by `webhook_base`."""
    text, waits = re.subn(r"(?m)^(\s+)(group_wait|group_interval):\s*\S+\s*$", r"\1\2: 1s", text)
    text, urls = re.subn(r"(?m)^(\s*-?\s*url:\s*)https?://[^/\s]+(/\S*)?\s*$",
                         lambda m: f"{m.group(1)}{webhook_base}{m.group(2) or '/'}", text)
    if waits == 0 or urls == 0:
        raise AssertionError(f"alertmanager config: replaced {waits} delays and {urls} URLs")
    return text


# --------------------------------------------------------------------------
# Processes and HTTP


def http_json(url, timeout=10, data=None):
    req = urllib.request.Request(url, data=data)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


class Daemon:
    """A child process with its own log, stopped by close()."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        setup = getattr(wgnet, "_child_setup", lambda: None)()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, preexec_fn=setup)

    def log(self, tail=3000):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-tail:]

    def wait_ready(self, url, timeout=30):
        try:
            wgnet.wait_until(lambda: self.proc.poll() is not None or http_ok(url), timeout,
                             interval=0.1, what=f"{self.name} at {url}")
        except TimeoutError:
            raise AssertionError(f"{self.name} not ready: {self.log()}")
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited {self.proc.returncode}: {self.log()}")

    def close(self):
        procs.stop(self.proc)
        self._log.close()


class Webhook:
    """Alertmanager webhook receiver on 127.0.0.1: records (time, path, payload)."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with hook.lock:
                    hook.received.append((time.monotonic(), self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self):
        """Every alert of every notification: dicts with path, status, labels,
        annotations, at."""
        with self.lock:
            out = []
            for at, path, payload in self.received:
                for alert in payload.get("alerts", []):
                    out.append({"path": path, "status": alert["status"], "at": at,
                                "labels": alert["labels"], "annotations": alert["annotations"]})
            return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Renewer:
    """Keeps the listed peers' sessions fresh: every few seconds each one
    drops and re-adds its gateway peer, which starts a new handshake at once
    (persistent keepalive 1s)."""

    def __init__(self, gateway, endpoint_ip):
        self.gateway = gateway
        self.endpoint = f"{endpoint_ip}:{gateway.listen_port}"
        self.peers = {}  # WgInterface -> tunnel IP of the gateway
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def add(self, iface, gateway_tunnel_ip):
        with self.lock:
            self.peers[iface] = gateway_tunnel_ip

    def remove(self, iface):
        with self.lock:
            self.peers.pop(iface, None)

    def _run(self):
        while not self.stop_event.wait(RENEW_EVERY_S):
            with self.lock:
                peers = list(self.peers.items())
            for iface, tunnel_ip in peers:
                try:
                    iface.wg("set", iface.name, "peer", self.gateway.public_key, "remove")
                    iface.wg("set", iface.name, "peer", self.gateway.public_key,
                             "allowed-ips", f"{tunnel_ip}/32", "endpoint", self.endpoint,
                             "persistent-keepalive", "1")
                except Exception as err:  # a peer stopped meanwhile: not fatal
                    with self.lock:
                        if iface in self.peers:
                            self.errors.append(f"{iface.name}: {err}")

    def close(self):
        self.stop_event.set()
        self.thread.join(10)


# --------------------------------------------------------------------------


class PrometheusAlertmanagerEndToEnd(unittest.TestCase):

    def setUp(self):
        self.started = time.monotonic()
        self.cleanups_done = False
        self.net = wgnet.Network()
        self.addCleanup(self.net.close)
        self.work = self.net.workdir
        self.daemons = []

    def tearDown(self):
        for d in reversed(self.daemons):
            d.close()

    # --- setup pieces

    def start_wireguard(self):
        net = self.net
        gw_ns = net.namespace("gw")
        site_ns = net.namespace("st")
        lap_ns = net.namespace("lp")
        net.veth(gw_ns, site_ns, "10.231.1.1/24", "10.231.1.2/24", suffix="s")
        net.veth(gw_ns, lap_ns, "10.231.2.1/24", "10.231.2.2/24", suffix="l")
        self.gateway = net.wg_interface(gw_ns, "g0")
        self.gateway.set_identity(wgnet.Keypair.generate(), 51820)
        self.gateway.up()
        self.site_key = wgnet.Keypair.generate()
        self.laptop_key = wgnet.Keypair.generate()
        self.never_key = wgnet.random_key()
        self.site_ns, self.lap_ns = site_ns, lap_ns

        self.site = self.start_peer(site_ns, "s0", self.site_key, 51821)
        net.connect(self.site, self.gateway, "10.232.0.2", "10.232.0.1", "10.231.1.1")
        self.laptop = self.start_peer(lap_ns, "l0", self.laptop_key, 51822)
        net.connect(self.laptop, self.gateway, "10.232.0.3", "10.232.0.1", "10.231.2.1")
        # A required peer whose owner never brings it up.
        self.gateway.add_peer(self.never_key, allowed_ips=["10.232.0.9/32"])

        self.site_renewer = Renewer(self.gateway, "10.231.1.1")
        self.addCleanup(self.site_renewer.close)
        self.laptop_renewer = Renewer(self.gateway, "10.231.2.1")
        self.addCleanup(self.laptop_renewer.close)
        self.site_renewer.add(self.site, "10.232.0.1")
        self.laptop_renewer.add(self.laptop, "10.232.0.1")

    def start_peer(self, ns, suffix, keypair, port):
        iface = self.net.wg_interface(ns, suffix)
        iface.set_identity(keypair, port)
        iface.up()
        return iface

    def start_exporter(self):
        config = {
            "discover": False,
            "interfaces": [{
                "name": self.gateway.name,
                "online_threshold": f"{ONLINE_THRESHOLD_S}s",
                "labels": {"site": "e2e"},
                "peers": [
                    {"public_key": self.site_key.public, "name": "site-link",
                     "labels": {"required": "true"}},
                    {"public_key": self.laptop_key.public, "name": "alice-laptop"},
                    {"public_key": self.never_key, "labels": {"required": "true"}},
                ],
            }],
        }
        path = os.path.join(self.work, "exporter.yml")
        with open(path, "w") as f:
            f.write(wgnet.yaml_dump(config) + "\n")
        self.exporter = wgnet.Exporter(self.work, config_file=path, log_level="info",
                                       lifecycle=False)
        self.exporter.start()
        self.addCleanup(self.exporter.stop)
        self.instance = f"127.0.0.1:{self.exporter.port}"

    def start_alertmanager(self):
        self.webhook = Webhook()
        self.addCleanup(self.webhook.close)
        with open(ALERTMANAGER_CONFIG) as f:
            derived = derive_alertmanager_config(f.read(), self.webhook.base)
        path = os.path.join(self.work, "alertmanager.yml")
        with open(path, "w") as f:
            f.write(derived)
        check = subprocess.run([AMTOOL, "check-config", path], capture_output=True, text=True,
                               timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        port = wgnet.free_port()
        self.alertmanager_url = f"http://127.0.0.1:{port}"
        storage = os.path.join(self.work, "alertmanager-data")
        os.makedirs(storage)
        am = Daemon("alertmanager", [
            ALERTMANAGER, f"--config.file={path}", f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
            "--log.level=info"], self.work)
        self.daemons.append(am)
        am.wait_ready(self.alertmanager_url + "/-/ready")

    def start_prometheus(self):
        with open(RULES) as f:
            derived = derive_rules(f.read())
        rules = os.path.join(self.work, "wireguard.rules.yml")
        with open(rules, "w") as f:
            f.write(derived)
        check = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True,
                               text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        config = {
            "global": {"scrape_interval": SCRAPE_INTERVAL, "scrape_timeout": SCRAPE_INTERVAL,
                       "evaluation_interval": SCRAPE_INTERVAL},
            "rule_files": [rules, COMPAT_RULES],
            "alerting": {"alertmanagers": [{"static_configs": [
                {"targets": [self.alertmanager_url.replace("http://", "")]}]}]},
            "scrape_configs": [{"job_name": "wireguard",
                                "static_configs": [{"targets": [self.instance]}]}],
        }
        path = os.path.join(self.work, "prometheus.yml")
        with open(path, "w") as f:
            json.dump(config, f)  # JSON is YAML
        port = wgnet.free_port()
        self.prometheus_url = f"http://127.0.0.1:{port}"
        storage = os.path.join(self.work, "prometheus-data")
        prom = Daemon("prometheus", [
            PROMETHEUS, f"--config.file={path}", f"--storage.tsdb.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--enable-feature=extra-scrape-metrics", "--log.level=info"], self.work)
        self.daemons.append(prom)
        prom.wait_ready(self.prometheus_url + "/-/ready")

    # --- Prometheus API

    def api(self, path, **params):
        url = f"{self.prometheus_url}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            answer = http_json(url, timeout=15)
        except urllib.error.HTTPError as err:
            answer = json.loads(err.read().decode() or "{}")
            answer.setdefault("error", str(err))
        return answer

    def query(self, expr):
        return self.api("query", query=expr)

    def wait_for_samples(self, expr, count, timeout):
        """Until `expr` has had `count` samples (checks the scrapes are flowing)."""
        wgnet.wait_until(
            lambda: any(float(r["value"][1]) >= count
                        for r in self.query(f"count_over_time(({expr})[5m:1s])")
                        .get("data", {}).get("result", [])),
            timeout, interval=0.5, what=f"{count} samples of {expr}")

    # --- the test

    def test_dashboards_and_alerts_against_real_prometheus_and_alertmanager(self):
        self.start_wireguard()
        self.start_exporter()
        self.start_alertmanager()
        self.start_prometheus()
        t_ready = time.monotonic()

        # Scrapes flowing: enough samples for every rate() window.
        self.wait_for_samples(f'wireguard_peer_online{{instance="{self.instance}"}}', 8, 40)
        targets = self.api("targets")["data"]["activeTargets"]
        self.assertEqual([t["health"] for t in targets], ["up"], targets)
        online = {r["metric"].get("name", r["metric"]["public_key"]): r["value"][1]
                  for r in self.query("wireguard_peer_online")["data"]["result"]}
        self.assertEqual(online, {"site-link": "1", "alice-laptop": "1", self.never_key: "0"})

        # 1. Every shipped rule evaluates cleanly on real data.
        groups = self.api("rules", type="alert")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        with open(RULES) as f:
            shipped = re.findall(r"(?m)^\s*- alert:\s*(\S+)", f.read())
        self.assertEqual(sorted(r["name"] for r in rules), sorted(shipped))
        for r in rules:
            self.assertEqual(r["health"], "ok", f"{r['name']}: {r.get('lastError')}")

        # 2. Every dashboard query returns data.
        checked = self.check_dashboards()
        t_dashboards = time.monotonic()

        # 3. OpenMetrics by default, the same series, the compat rules.
        self.check_openmetrics_scrape()
        self.check_compat_rules()

        # 4. Alerts. The laptop goes first, so by the time site-link's alert
        # arrives the laptop has been offline longer than site-link.
        self.laptop_renewer.remove(self.laptop)
        self.laptop.stop()
        time.sleep(3)
        self.site_renewer.remove(self.site)
        self.site.stop()
        t_site_stopped = time.monotonic()

        def site_alert(status):
            for a in self.webhook.alerts():
                if (a["labels"].get("alertname") == "WireGuardRequiredPeerOffline"
                        and a["labels"].get("public_key") == self.site_key.public
                        and a["status"] == status):
                    return a
            return None

        fired = wgnet.wait_until(lambda: site_alert("firing"), 90, interval=0.2,
                                 what="WireGuardRequiredPeerOffline for site-link at the webhook")
        t_fired = time.monotonic()
        self.assertEqual(fired["path"], "/wireguard/critical")
        self.assertEqual(fired["labels"]["severity"], "critical")
        self.assertEqual(fired["labels"]["name"], "site-link")
        self.assertEqual(fired["labels"]["interface"], self.gateway.name)
        self.assertEqual(fired["labels"]["site"], "e2e")
        self.assertEqual(fired["annotations"]["summary"],
                         f"WireGuard peer site-link on {self.gateway.name} of {self.instance} "
                         f"is offline")
        self.assertIn("its last handshake was", fired["annotations"]["description"])

        # Bring site-link back: a new wireguard-go with the same key.
        self.site = self.start_peer(self.site_ns, "s1", self.site_key, 51821)
        self.site.add_peer(self.gateway.public_key, allowed_ips=["10.232.0.1/32"],
                           endpoint=f"10.231.1.1:{self.gateway.listen_port}", keepalive=1)
        self.site_renewer.add(self.site, "10.232.0.1")
        t_restarted = time.monotonic()
        resolved = wgnet.wait_until(lambda: site_alert("resolved"), 60, interval=0.2,
                                    what="resolution of WireGuardRequiredPeerOffline for "
                                         "site-link at the webhook")
        t_resolved = time.monotonic()
        self.assertEqual(resolved["path"], "/wireguard/critical")

        alerts = self.webhook.alerts()
        never = [a for a in alerts if a["labels"].get("public_key") == self.never_key]
        self.assertTrue(never, "no alert for the required peer that never shook hands")
        self.assertEqual({a["labels"]["alertname"] for a in never},
                         {"WireGuardRequiredPeerOffline"})
        self.assertEqual(never[0]["annotations"]["summary"],
                         f"WireGuard peer {self.never_key} on {self.gateway.name} of "
                         f"{self.instance} is offline")
        self.assertIn("never completed a handshake", never[0]["annotations"]["description"])
        self.assertEqual({a["status"] for a in never}, {"firing"})

        laptop_alerts = [a for a in alerts
                         if a["labels"].get("public_key") == self.laptop_key.public
                         or a["labels"].get("name") == "alice-laptop"]
        self.assertEqual(laptop_alerts, [], "an optional peer raised an alert")
        # The laptop really was offline all along.
        self.assertEqual(self.query(f'wireguard_peer_online{{public_key="{self.laptop_key.public}"}}')
                         ["data"]["result"][0]["value"][1], "0")
        names = sorted({a["labels"]["alertname"] for a in alerts})
        self.assertEqual(names, ["WireGuardRequiredPeerOffline"], alerts)
        self.assertEqual(self.site_renewer.errors + self.laptop_renewer.errors, [])

        done = time.monotonic()
        seen = sorted({(a["labels"]["alertname"],
                        a["labels"].get("name") or a["labels"].get("public_key"), a["status"],
                        a["path"]) for a in alerts})
        print(f"\nsetup until Prometheus ready: {t_ready - self.started:.1f}s; "
              f"{checked} dashboard queries with data in {t_dashboards - t_ready:.1f}s; "
              f"site-link stopped -> firing at the webhook {t_fired - t_site_stopped:.1f}s; "
              f"restarted -> resolved {t_resolved - t_restarted:.1f}s; "
              f"total {done - self.started:.1f}s")
        for alertname, who, status, path in seen:
            print(f"  webhook {path}: {alertname} {who} {status}")

    def check_openmetrics_scrape(self):
        metadata = self.api("targets/metadata", match_target='{job="wireguard"}')["data"]
        by_name = {m["metric"]: m for m in metadata}
        # Family names and units as OpenMetrics gives them: a text-format
        # scrape would have left the units empty and kept _total.
        self.assertEqual((by_name["wireguard_peer_receive_bytes"]["type"],
                          by_name["wireguard_peer_receive_bytes"]["unit"]), ("counter", "bytes"),
                         by_name.get("wireguard_peer_receive_bytes"))
        self.assertEqual(by_name["wireguard_peer_last_handshake_age_seconds"]["unit"], "seconds")
        self.assertEqual(by_name["process_cpu_seconds"]["type"], "counter")
        self.assertEqual(by_name["wireguard_peer"]["type"], "info")
        self.assertNotIn("wireguard_peer_receive_bytes_total", by_name)

        with urllib.request.urlopen(f"http://{self.instance}/metrics", timeout=10) as resp:
            self.assertTrue(resp.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
            exposed = wgnet.parse_exposition(resp.read().decode())[0]
        # Prometheus keeps no empty label; neither does the comparison.
        ours = {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if v))): s.value
                for s in exposed}
        answer = self.query(f'{{job="wireguard",instance="{self.instance}",'
                            f'__name__=~"wireguard_.+|process_.+"}}')["data"]["result"]
        stored = {}
        for r in answer:
            labels = dict(r["metric"])
            name = labels.pop("__name__")
            if name in ("wireguard_sent_bytes_total", "wireguard_received_bytes_total",
                        "wireguard_latest_handshake_seconds",
                        "wireguard_latest_handshake_delay_seconds"):
                continue  # recorded by the compat rules, checked below
            labels.pop("job")
            labels.pop("instance")
            stored[(name, tuple(sorted(labels.items())))] = float(r["value"][1])
        self.assertEqual(sorted(set(stored) - set(ours)), [])
        self.assertEqual(sorted(set(ours) - set(stored)), [])
        steady = ("wireguard_peer_info", "wireguard_interface_info", "wireguard_interface_peers",
                  "wireguard_interface_online_threshold_seconds", "wireguard_interface_up",
                  "wireguard_exporter_build_info", "process_max_fds",
                  "process_start_time_seconds", "wireguard_peer_persistent_keepalive_interval_seconds")
        for key, value in ours.items():
            if key[0] in steady:
                self.assertEqual(stored[key], value, key)

    def check_compat_rules(self):
        groups = self.api("rules", type="record")["data"]["groups"]
        recorded = [r for g in groups for r in g["rules"]]
        self.assertEqual(len(recorded), 4, recorded)
        for r in recorded:
            self.assertEqual(r["health"], "ok", f"{r['name']}: {r.get('lastError')}")

        def series(name):
            return wgnet.wait_until(
                lambda: {r["metric"]["public_key"]: r for r in self.query(name)["data"]["result"]}
                if len(self.query(name)["data"]["result"]) == 3 else None,
                20, interval=0.5, what=f"three series of {name}")

        sent = series("wireguard_sent_bytes_total")
        site = sent[self.site_key.public]["metric"]
        self.assertEqual(site.get("friendly_name"), "site-link")
        self.assertEqual(site["interface"], self.gateway.name)
        self.assertEqual(site["allowed_ips"], "10.232.0.2/32")
        self.assertNotIn("name", site)
        self.assertNotIn("friendly_name", sent[self.never_key]["metric"])
        self.assertEqual(sent[self.never_key]["metric"]["allowed_ips"], "10.232.0.9/32")
        self.assertGreater(float(sent[self.site_key.public]["value"][1]), 0)
        handshakes = series("wireguard_latest_handshake_seconds")
        self.assertEqual(handshakes[self.never_key]["value"][1], "0")
        seen = float(handshakes[self.site_key.public]["value"][1])
        self.assertEqual(seen, int(seen))
        self.assertGreater(seen, time.time() - 60)
        series("wireguard_received_bytes_total")
        series("wireguard_latest_handshake_delay_seconds")

    def check_dashboards(self):
        """Runs every panel and variable query with this setup's values;
        returns how many ran."""
        peers = [self.site_key.public, self.laptop_key.public, self.never_key]
        base = {"job": "wireguard", "instance": [self.instance],
                "interface": [self.gateway.name]}
        failures = []
        ran = 0
        now = time.time()
        for path in DASHBOARDS:
            dashboard = dashboard_queries.load(path)
            uses_peer = "peer" in dashboard_queries.variable_definitions(dashboard)
            for peer in (peers if uses_peer else [None]):
                values = dict(base, peer=peer) if peer else dict(base)
                for q in dashboard_queries.panel_queries(dashboard, values, BUILTINS):
                    ran += 1
                    where = (f"{q['dashboard']} panel {q['panel_id']} {q['panel_title']!r} "
                             f"{q['ref_id']}" + (f" (peer {peer})" if peer else ""))
                    if q["instant"]:
                        answer = self.api("query", query=q["expr"], time=f"{now:.3f}")
                    else:
                        answer = self.api("query_range", query=q["expr"], start=f"{now - 20:.3f}",
                                          end=f"{now:.3f}", step="1")
                    if answer.get("status") != "success":
                        failures.append(f"{where}: {answer.get('error')}: {q['expr']}")
                    elif not answer["data"]["result"]:
                        failures.append(f"{where}: no data: {q['expr']}")
                for v in dashboard_queries.variable_queries(dashboard, values, BUILTINS):
                    ran += 1
                    options = self.variable_options(v)
                    expected = {"job": "wireguard", "instance": self.instance,
                                "interface": self.gateway.name}.get(v["name"])
                    if v["name"] == "peer":
                        want = {("site-link", self.site_key.public),
                                ("alice-laptop", self.laptop_key.public),
                                (self.never_key, self.never_key)}
                        if set(options) != want:
                            failures.append(f"{v['dashboard']} variable peer: options {options}, "
                                            f"want {sorted(want)}")
                    elif v["name"] == "netns":
                        # Only the exporter's own namespace is read here, and its
                        # series carry no netns value: "All" is what selects it.
                        if options:
                            failures.append(f"{v['dashboard']} variable netns: options "
                                            f"{options}, want none")
                    elif expected not in [value for _, value in options]:
                        failures.append(f"{v['dashboard']} variable {v['name']}: options "
                                        f"{options} lack {expected!r}")
        self.assertEqual(failures, [], "\n" + "\n".join(failures))
        return ran

    def variable_options(self, v):
        """(text, value) pairs Grafana would offer for a query variable."""
        if v["kind"] == "label_values":
            params = {"match[]": v["selector"]} if v["selector"] else {}
            answer = self.api(f"label/{v['label']}/values", **params)
            lines = answer.get("data") or []
        else:
            answer = self.query(v["expr"])
            lines = []
            for r in answer.get("data", {}).get("result", []):
                metric = dict(r["metric"])
                name = metric.pop("__name__", "")
                labels = ",".join(f'{k}="{val}"' for k, val in sorted(metric.items()))
                lines.append(f"{name}{{{labels}}} {r['value'][1]} {int(r['value'][0] * 1000)}")
        if answer.get("status") != "success":
            return [("error", answer.get("error"))]
        regex = v.get("regex") or ""
        if not regex:
            return [(line, line) for line in lines]
        # Grafana's /pattern/ with JavaScript named groups.
        pattern = re.compile(regex.strip("/").replace("(?<", "(?P<"))
        options = []
        for line in lines:
            m = pattern.search(line)
            if m:
                groups = m.groupdict()
                value = groups.get("value") or m.group(0)
                options.append((groups.get("text") or value, value))
        return options


if __name__ == "__main__":
    unittest.main(verbosity=2)
