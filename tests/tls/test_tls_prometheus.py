"""Real Prometheus scraping the exporter over HTTPS with a client
certificate (scheme: https, tls_config), next to a job without one that the
exporter must refuse. Certificates are made with the openssl CLI here.
Loopback only; needs no root.

Run by ctest with WGX_EXPORTER set to the binary:
    python3 test_tls_prometheus.py [unittest arguments]
"""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsutil  # noqa: E402
from tlsutil import Exporter, Pki  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import procs  # noqa: E402

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
SECRET_HASH = "$2y$10$JqAA3ikF4x26Uh0MkGrqWe1dNpisEN6/TLf9mezmBQY2U/ybrY7l2"


class PrometheusOverTlsTest(unittest.TestCase):

    def setUp(self):
        self.assertTrue(tlsutil.EXPORTER and os.access(tlsutil.EXPORTER, os.X_OK),
                        "WGX_EXPORTER must name the exporter binary")
        self.assertTrue(os.access(PROMETHEUS, os.X_OK), "prometheus is not installed")
        self.work = tlsutil.Workdir("wgx-tls-prom-")
        self.addCleanup(self.work.close)
        self.pki = Pki(os.path.join(self.work.path, "pki"))
        self.exporter = Exporter(os.path.join(self.work.path, "exporter"), (
            "tls_server_config:\n"
            f"  cert_file: {self.pki.server}\n  key_file: {self.pki.server_key}\n"
            "  client_auth_type: RequireAndVerifyClientCert\n"
            f"  client_ca_file: {self.pki.ca}\n"
            "  client_allowed_sans: [scraper.example]\n"
            f"basic_auth_users:\n  prometheus: {SECRET_HASH}\n"))
        self.exporter.start()
        self.addCleanup(self.exporter.stop)
        self.fake = tlsutil.FakeWireGuard(self.exporter.socket_dir, "wgtlsprom0", 3)
        self.addCleanup(self.fake.close)

    def start_prometheus(self):
        target = f"127.0.0.1:{self.exporter.port}"
        common = {"scheme": "https", "scrape_interval": "1s", "scrape_timeout": "1s",
                  "basic_auth": {"username": "prometheus", "password": "secret"},
                  "static_configs": [{"targets": [target]}]}
        config = {"global": {"scrape_interval": "1s"}, "scrape_configs": [
            dict(common, job_name="wireguard-mtls", tls_config={
                "ca_file": self.pki.ca, "cert_file": self.pki.client,
                "key_file": self.pki.client_key, "server_name": "localhost",
                "min_version": "TLS13"}),
            dict(common, job_name="wireguard-no-client-cert",
                 tls_config={"ca_file": self.pki.ca, "server_name": "localhost"}),
        ]}
        path = os.path.join(self.work.path, "prometheus.yml")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config, f)  # JSON is YAML
        port = tlsutil.free_port()
        self.prometheus_url = f"http://127.0.0.1:{port}"
        log = open(os.path.join(self.work.path, "prometheus.log"), "wb")
        self.addCleanup(log.close)
        process = subprocess.Popen([
            PROMETHEUS, f"--config.file={path}",
            f"--storage.tsdb.path={os.path.join(self.work.path, 'data')}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=info"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.addCleanup(procs.stop, process)

    def query(self, expr):
        url = f"{self.prometheus_url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)["data"]["result"]

    def target_health(self):
        with urllib.request.urlopen(self.prometheus_url + "/api/v1/targets", timeout=10) as a:
            targets = json.load(a)["data"]["activeTargets"]
        return {t["labels"]["job"]: (t["health"], t.get("lastError", "")) for t in targets}

    def test_prometheus_scrapes_over_https_with_a_client_certificate(self):
        self.start_prometheus()
        deadline = time.monotonic() + 60
        health = {}
        while time.monotonic() < deadline:
            try:
                health = self.target_health()
                if (health.get("wireguard-mtls", ("",))[0] == "up"
                        and health.get("wireguard-no-client-cert", ("",))[0] == "down"):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        self.assertEqual(health.get("wireguard-mtls", ("missing",))[0], "up", health)
        self.assertEqual(health.get("wireguard-no-client-cert", ("missing",))[0], "down", health)
        self.assertRegex(health["wireguard-no-client-cert"][1], r"(?i)certificate|tls|alert")
        up = {r["metric"]["job"]: r["value"][1] for r in self.query("up")}
        self.assertEqual(up.get("wireguard-mtls"), "1", up)
        self.assertEqual(up.get("wireguard-no-client-cert"), "0", up)
        peers = self.query('wireguard_interface_peers{job="wireguard-mtls",interface="wgtlsprom0"}')
        self.assertEqual([r["value"][1] for r in peers], ["3"], peers)
        self.assertTrue(self.exporter.alive(), self.exporter.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
