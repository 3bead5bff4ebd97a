"""End to end: exposition formats, process metrics and the landing page of
the real exporter against real wireguard-go, read by real clients.

One interface with a peer that completed a real handshake and one that never
did, a second interface with 2,500 fake peers (its exposition is streamed in
chunks), a listed interface that does not exist. Checked:
  - the Accept headers Prometheus 2.x and 3.x send get OpenMetrics 1.0.0,
    which Debian's python3-prometheus-client OpenMetrics parser accepts,
    with the same samples as the text format; whole, streamed and gzip
    (curl --compressed);
  - curl's and a browser's (headless chromium) requests get the text format,
    which chromium shows as text;
  - the process_* figures are the exporter's own as /proc tells them, and
    metrics.disable: [process] switches them off;
  - chromium shows the landing page with the interfaces, their state and
    peer counts, the namespace, the build and the config file.
"""

import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402


def _import_parsers():
    """Debian's python3-prometheus-client, also when ctest's interpreter is
    another Python 3 (a pyenv one) that does not look in Debian's directory."""
    try:
        from prometheus_client import parser as text
        from prometheus_client.openmetrics import parser as om
    except ImportError:
        debian = "/usr/lib/python3/dist-packages"
        if debian in sys.path or not os.path.isdir(os.path.join(debian, "prometheus_client")):
            return None, None  # reported by the tests that need them, not skipped
        sys.path.append(debian)
        from prometheus_client import parser as text
        from prometheus_client.openmetrics import parser as om
    return om, text


om_parser, text_parser = _import_parsers()

PROMETHEUS_2_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                       "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
PROMETHEUS_3_ACCEPT = ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
                       "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;"
                       "version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,"
                       "*/*;q=0.2")
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT = "text/plain; version=0.0.4; charset=utf-8"
FAKE_PEERS = 2500
CHROMIUM = shutil.which("chromium")
CURL = shutil.which("curl")


def chromium_dump_dom(url, workdir):
    """The DOM headless chromium builds from `url`, with a fresh profile."""
    if CHROMIUM is None:
        raise AssertionError("chromium is not installed (scripts/install-deps.sh test)")
    profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
    try:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0:
        raise AssertionError(f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stdout


class Tables(html.parser.HTMLParser):
    """Rows of every table with an id, and the text of elements with an id."""

    def __init__(self):
        super().__init__()
        self.tables = {}
        self.texts = {}
        self._table = None
        self._row = None
        self._cell = None
        self._id_stack = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "id" in attrs:
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if "id" in attrs and tag != "table":
            self._id_stack.append((tag, attrs["id"], []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._id_stack and self._id_stack[-1][0] == tag:
            _, ident, parts = self._id_stack.pop()
            self.texts[ident] = " ".join("".join(parts).split())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._id_stack:
            parts.append(data)


class FormatsEndToEnd(unittest.TestCase):
    net = None

    @classmethod
    def setUpClass(cls):
        cls.net = wgnet.Network("f")
        try:
            cls._build_network()
            cls.config_path = os.path.join(cls.net.workdir, "formats.yml")
            wgnet.write_file_atomically(cls.config_path, cls.config_text())
            cls.exporter = wgnet.Exporter(cls.net.workdir, config_file=cls.config_path,
                                          log_level="info")
            cls.exporter.start()
        except BaseException:
            cls.net.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.exporter.stop()
        finally:
            cls.net.close()

    @classmethod
    def _build_network(cls):
        net = cls.net
        ns_a, ns_b = net.namespace("na"), net.namespace("nb")
        net.veth(ns_a, ns_b, "10.217.0.1/24", "10.217.0.2/24")
        cls.a = net.wg_interface(ns_a, "a0")
        cls.b = net.wg_interface(ns_b, "b0")
        cls.a.set_identity(wgnet.Keypair.generate(), 51850)
        cls.b.set_identity(wgnet.Keypair.generate(), 51851)
        cls.ghost = wgnet.random_key()
        cls.a.add_peer(cls.ghost, allowed_ips=["10.218.0.99/32"])
        cls.a.up()
        cls.b.up()
        net.connect(cls.a, cls.b, "10.218.0.1", "10.218.0.2", "10.217.0.2")
        cls.big = net.wg_interface(ns_a, "c0")
        keypair = wgnet.Keypair.generate()
        cls.big.keypair = keypair
        lines = ["[Interface]", f"PrivateKey = {keypair.private}", "ListenPort = 51852"]
        for p in range(FAKE_PEERS):
            lines += ["", "[Peer]", f"PublicKey = {wgnet.random_key()}",
                      f"AllowedIPs = 10.219.{p // 250}.{p % 250 + 1}/32"]
        cls.big.setconf("\n".join(lines) + "\n")
        cls.missing = net.base + "zz"  # listed, never created

    @classmethod
    def config_text(cls, disable=()):
        config = {
            "discover": True,
            "exclude": wgnet.exclude_all_but(cls.net.base),
            "interfaces": [
                {"name": cls.a.name, "peers": [{"public_key": cls.b.public_key, "name": "bee"}]},
                {"name": cls.missing},
            ],
        }
        if disable:
            config["metrics"] = {"disable": list(disable)}
        return wgnet.yaml_dump(config) + "\n"

    # --- helpers

    def get(self, accept=None, path="/metrics", exporter=None):
        headers = {"Accept": accept} if accept is not None else {}
        status, hdrs, body = (exporter or self.exporter).get(path, headers=headers, timeout=30)
        self.assertEqual(status, 200, body[:500])
        return hdrs, body

    def parse_openmetrics(self, body):
        self.assertIsNotNone(om_parser, "python3-prometheus-client is not installed "
                                        "(scripts/install-deps.sh test)")
        return {f.name: f for f in om_parser.text_string_to_metric_families(body)}

    def samples(self, families):
        """{(sample name, sorted labels): value} of parsed families."""
        out = {}
        for family in families.values():
            for s in family.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                self.assertNotIn(key, out)
                out[key] = s.value
        return out

    # --- the tests

    def test_prometheus_accept_headers_get_openmetrics_the_reference_parser_accepts(self):
        for name, accept in (("Prometheus 2.x", PROMETHEUS_2_ACCEPT),
                             ("Prometheus 3.x", PROMETHEUS_3_ACCEPT)):
            with self.subTest(client=name):
                hdrs, body = self.get(accept)
                self.assertEqual(hdrs.get("Content-Type"), OPENMETRICS)
                self.assertIn("Accept", hdrs.get("Vary", ""))
                # 2,500 peers are far more than one 256 KiB piece: streamed.
                self.assertEqual(hdrs.get("Transfer-Encoding"), "chunked")
                self.assertTrue(body.endswith("\n# EOF\n"), body[-200:])
                families = self.parse_openmetrics(body)

                received = families["wireguard_peer_receive_bytes"]
                self.assertEqual((received.type, received.unit), ("counter", "bytes"))
                self.assertEqual(families["wireguard_peer"].type, "info")
                self.assertEqual(families["wireguard_exporter_build"].type, "info")
                self.assertEqual(families["process_cpu_seconds"].type, "counter")
                self.assertEqual(families["process_cpu_seconds"].unit, "seconds")
                self.assertEqual(families["wireguard_peer_last_handshake_age_seconds"].unit,
                                 "seconds")
                self.assertEqual(families["wireguard_peer_online"].unit, "")

                samples = self.samples(families)

                def value(sample, **labels):
                    found = [v for (n, ls), v in samples.items()
                             if n == sample and all(dict(ls).get(k) == x
                                                    for k, x in labels.items())]
                    self.assertEqual(len(found), 1, f"{sample}{labels}: {found}")
                    return found[0]

                a = self.a.name
                self.assertGreater(value("wireguard_peer_last_handshake_timestamp_seconds",
                                         interface=a, name="bee"), 1.6e9)
                self.assertEqual(value("wireguard_peer_online", interface=a, name="bee"), 1)
                self.assertEqual(value("wireguard_peer_last_handshake_timestamp_seconds",
                                       interface=a, public_key=self.ghost), 0)
                self.assertEqual(value("wireguard_peer_last_handshake_age_seconds",
                                       interface=a, public_key=self.ghost), float("inf"))
                self.assertEqual(value("wireguard_peer_online", interface=a,
                                       public_key=self.ghost), 0)
                self.assertEqual(value("wireguard_interface_peers", interface=self.big.name),
                                 FAKE_PEERS)
                self.assertEqual(value("wireguard_interface_up", interface=self.missing), 0)
                self.assertGreater(value("process_resident_memory_bytes"), 0)

    def test_openmetrics_and_text_have_the_same_samples(self):
        self.assertIsNotNone(text_parser, "python3-prometheus-client is not installed")
        _, om_body = self.get(PROMETHEUS_2_ACCEPT)
        _, text_body = self.get("*/*")
        om = self.samples(self.parse_openmetrics(om_body))
        text = self.samples({f.name: f for f in text_parser.text_string_to_metric_families(
            text_body)})
        self.assertEqual(set(om), set(text))
        # Values that do not move between two scrapes are equal.
        steady = ("wireguard_peer_info", "wireguard_interface_peers", "wireguard_interface_up",
                  "wireguard_peer_persistent_keepalive_interval_seconds",
                  "wireguard_interface_online_threshold_seconds", "process_max_fds",
                  "process_start_time_seconds", "wireguard_exporter_build_info")
        for key, v in om.items():
            if key[0] in steady:
                self.assertEqual(v, text[key], key)
        self.assertGreater(len(om), 7 * FAKE_PEERS)

    def test_gzip_openmetrics_and_curl_defaults_through_curl(self):
        self.assertIsNotNone(CURL, "curl is not installed")
        url = self.exporter.url("/metrics")
        headers = os.path.join(self.net.workdir, "curl-headers.txt")
        proc = subprocess.run([CURL, "-sS", "--fail", "--compressed", "-D", headers,
                               "-H", f"Accept: {PROMETHEUS_2_ACCEPT}", url],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(headers) as f:
            head = f.read()
        self.assertRegex(head, r"(?im)^content-encoding: gzip\r?$")
        self.assertRegex(head, r"(?im)^content-type: application/openmetrics-text; "
                               r"version=1\.0\.0; charset=utf-8\r?$")
        families = self.parse_openmetrics(proc.stdout)
        # a0's two peers, b0's one, the fake ones.
        self.assertEqual(len(families["wireguard_peer_online"].samples), FAKE_PEERS + 3)

        # curl's own Accept (*/*): the text format, which a strict parser reads.
        plain = subprocess.run([CURL, "-sS", "--fail", "-D", headers, url],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(plain.returncode, 0, plain.stderr)
        with open(headers) as f:
            self.assertRegex(f.read(), r"(?im)^content-type: text/plain; version=0\.0\.4; "
                                       r"charset=utf-8\r?$")
        scrape = wgnet.Scrape(plain.stdout)
        self.assertEqual(scrape.types["wireguard_peer_receive_bytes_total"], "counter")
        self.assertEqual(scrape.types["process_cpu_seconds_total"], "counter")
        self.assertNotIn("# EOF", plain.stdout)

    def test_a_browser_gets_text_it_shows(self):
        dom = chromium_dump_dom(self.exporter.url("/metrics"), self.net.workdir)
        # A text/plain answer is shown in a <pre>; an OpenMetrics one would be
        # downloaded, leaving nothing to show.
        self.assertIn("<pre", dom)
        self.assertIn("# TYPE wireguard_peer_receive_bytes_total counter", dom)
        self.assertIn("# TYPE process_cpu_seconds_total counter", dom)
        self.assertNotIn("# EOF", dom)

    def test_landing_page_in_a_browser(self):
        dom = chromium_dump_dom(self.exporter.url("/"), self.net.workdir)
        self.assertNotIn("<script", dom)
        page = Tables()
        page.feed(dom)
        version = wgnet.run_exporter_once(["--version"]).stdout
        m = re.search(r"version (\S+) \(revision: (\S+)\)", version)
        self.assertIsNotNone(m, version)
        self.assertEqual(page.texts.get("build"), f"Version {m.group(1)}, revision {m.group(2)}.")
        self.assertEqual(page.texts.get("config"), f"Configuration file: {self.config_path}")

        rows = {row[1]: row for row in page.tables.get("interfaces", [])[1:]}
        header = page.tables["interfaces"][0]
        self.assertEqual(header[:7], ["Namespace", "Interface", "State", "Implementation",
                                      "Listen port", "Peers", "Peers online"])
        self.assertEqual(sorted(rows), sorted([self.a.name, self.big.name, self.missing,
                                               self.b.name]))
        self.assertEqual(rows[self.a.name],
                         ["(own)", self.a.name, "up", "userspace", "51850", "2", "1", "yes"])
        self.assertEqual(rows[self.big.name][:7],
                         ["(own)", self.big.name, "up", "userspace", "51852", str(FAKE_PEERS),
                          "0"])
        self.assertEqual(rows[self.big.name][7], "no (discovered)")
        self.assertEqual(rows[self.missing][2], "down: not found")
        namespaces = page.tables["namespaces"][1:]
        self.assertEqual(namespaces, [["(own)", "up", "3"]])
        self.assertIn("read-at", page.texts)

    def test_process_metrics_are_the_exporters_own(self):
        pid = self.exporter.pid
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as f:
            btime = next(float(line.split()[1]) for line in f if line.startswith("btime "))
        cpu_before = (int(fields[11]) + int(fields[12])) / ticks
        scrape = self.exporter.scrape()
        with open(f"/proc/{pid}/stat") as f:
            after = f.read().rsplit(")", 1)[1].split()
        cpu_after = (int(after[11]) + int(after[12])) / ticks
        with open(f"/proc/{pid}/limits") as f:
            soft_nofile = next(int(line.split()[3]) for line in f
                               if line.startswith("Max open files"))
        open_fds = len(os.listdir(f"/proc/{pid}/fd"))

        self.assertEqual(scrape.value("process_start_time_seconds"),
                         btime + int(fields[19]) / ticks)
        self.assertGreaterEqual(scrape.value("process_cpu_seconds_total"), cpu_before)
        self.assertLessEqual(scrape.value("process_cpu_seconds_total"), cpu_after)
        self.assertEqual(scrape.value("process_max_fds"), soft_nofile)
        # During the scrape the exporter also holds the connection and the
        # directory it counts from; at rest neither.
        self.assertGreaterEqual(scrape.value("process_open_fds"), open_fds)
        self.assertLessEqual(scrape.value("process_open_fds"), open_fds + 4)
        rss = int(after[21]) * os.sysconf("SC_PAGE_SIZE")
        self.assertAlmostEqual(scrape.value("process_resident_memory_bytes"), rss,
                               delta=max(rss * 0.25, 4 << 20))
        self.assertGreaterEqual(scrape.value("process_virtual_memory_bytes"), rss)
        self.assertEqual(scrape.types["process_resident_memory_bytes"], "gauge")

        # Switched off by the config: gone, everything else stays.
        path = os.path.join(self.net.workdir, "no-process.yml")
        wgnet.write_file_atomically(path, self.config_text(disable=["process"]))
        with wgnet.Exporter(self.net.workdir, config_file=path, log_level="info") as quiet:
            quiet.start()
            text = quiet.scrape().text
            self.assertNotIn("process_", text)
            self.assertIn("wireguard_interface_peers{", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
