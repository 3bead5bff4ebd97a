"""TLS end to end with real clients (curl, openssl s_client, Python's ssl),
against the real exporter binary. Each class makes its own CA, server and
client certificates with the openssl CLI. Loopback only; needs no root.

Run by ctest with WGX_EXPORTER set to the binary:
    python3 test_tls.py [unittest arguments]
"""

import gzip
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsutil  # noqa: E402
from tlsutil import OPENSSL, Exporter, Pki, curl  # noqa: E402

# bcrypt of "secret", cost 10 (as in tests/http/web_config_test.cpp).
SECRET_HASH = "$2y$10$JqAA3ikF4x26Uh0MkGrqWe1dNpisEN6/TLf9mezmBQY2U/ybrY7l2"

AUTH_TYPES = ["NoClientCert", "RequestClientCert", "RequireAnyClientCert",
              "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"]
# What each client_auth_type must do with no, a good and a rogue (other CA)
# client certificate: True = served, False = refused in the handshake.
EXPECTED = {
    "NoClientCert": {"none": True, "good": True, "rogue": True},
    "RequestClientCert": {"none": True, "good": True, "rogue": True},
    "RequireAnyClientCert": {"none": False, "good": True, "rogue": True},
    "VerifyClientCertIfGiven": {"none": True, "good": True, "rogue": False},
    "RequireAndVerifyClientCert": {"none": False, "good": True, "rogue": False},
}


def tls_config(auth="NoClientCert", extra=""):
    ca = "  client_ca_file: pki/ca.crt\n" if auth != "NoClientCert" else ""
    return ("tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server.key\n"
            f"  client_auth_type: {auth}\n{ca}{extra}")


class TlsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not (tlsutil.EXPORTER and os.access(tlsutil.EXPORTER, os.X_OK)):
            raise AssertionError("WGX_EXPORTER must name the exporter binary")
        cls.work = tlsutil.Workdir("wgx-tls-")
        cls.pki = Pki(os.path.join(cls.work.path, "pki"))

    @classmethod
    def tearDownClass(cls):
        cls.work.close()

    def start(self, web_config, extra_args=(), socket_dir=None):
        """An exporter in a fresh directory holding web.yml and a link to the PKI,
        so the config's relative paths resolve against the config's directory."""
        directory = os.path.join(self.work.path, f"exporter-{self.id().split('.')[-1]}-"
                                 f"{time.monotonic_ns()}")
        os.makedirs(directory)
        os.symlink(self.pki.dir, os.path.join(directory, "pki"))
        exporter = Exporter(directory, web_config, extra_args, socket_dir)
        exporter.start(ready=lambda: self.tls_ready(exporter))
        self.addCleanup(exporter.stop)
        return exporter

    def tls_ready(self, exporter):
        code, _, _ = curl(self.curl_args(exporter, "/-/healthy", cert="good"), timeout=10)
        # 0 served; 56/35 refused for want of a certificate: either way TLS answers.
        return code in (0, 35, 56)

    def curl_args(self, exporter, path="/metrics", cert=None, extra=()):
        args = ["--cacert", self.pki.ca, *extra]
        if cert == "good":
            args += ["--cert", self.pki.client, "--key", self.pki.client_key]
        elif cert == "rogue":
            args += ["--cert", self.pki.rogue, "--key", self.pki.rogue_key]
        elif cert == "other":
            args += ["--cert", self.pki.other_client, "--key", self.pki.other_client_key]
        return args + [f"https://127.0.0.1:{exporter.port}{path}"]

    def scrape(self, exporter, cert=None, extra=()):
        """(served, stdout, stderr) of one curl scrape."""
        code, out, err = curl(self.curl_args(exporter, cert=cert, extra=extra))
        served = code == 0 and b"wireguard_exporter_build_info" in out
        return served, out, err

    def s_client(self, exporter, *args, stdin=b"Q\n"):
        result = subprocess.run(
            [OPENSSL, "s_client", "-connect", f"127.0.0.1:{exporter.port}", "-CAfile",
             self.pki.ca, "-servername", "localhost", *args],
            input=stdin, capture_output=True, timeout=20)
        return result.returncode, result.stdout.decode(errors="replace")


class ProtocolTest(TlsTestCase):

    def test_curl_over_tls12_and_tls13(self):
        exporter = self.start(tls_config())
        for flags, version in ((["--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2"),
                               (["--tlsv1.3"], "TLSv1.3")):
            served, out, err = self.scrape(exporter, extra=["-v", *flags])
            self.assertTrue(served, err)
            self.assertRegex(err, rf"SSL connection using {version} ")
            self.assertRegex(out.decode(), r"(?m)^wireguard_exporter_config_last_reload_successful 1$")

    def test_tls12_has_extended_master_secret_and_no_client_renegotiation(self):
        exporter = self.start(tls_config())
        code, out = self.s_client(exporter, "-tls1_2")
        self.assertEqual(code, 0, out)
        self.assertIn("Extended master secret: yes", out)
        self.assertIn("Verify return code: 0 (ok)", out)
        # A client asking to renegotiate ("R") is refused; the server lives on.
        code, out = self.s_client(exporter, "-tls1_2", stdin=b"R\n")
        self.assertTrue(exporter.alive(), exporter.log())
        self.assertTrue(self.scrape(exporter)[0])

    def test_min_version_refuses_an_older_client(self):
        exporter = self.start(tls_config(extra="  min_version: TLS13\n"))
        served, _, err = self.scrape(exporter, extra=["--tls-max", "1.2"])
        self.assertFalse(served)
        self.assertRegex(err, r"(?i)alert|version|handshake")
        self.assertTrue(self.scrape(exporter, extra=["--tlsv1.3"])[0])

    def test_max_version_keeps_tls13_clients_out(self):
        exporter = self.start(tls_config(extra="  max_version: TLS12\n"))
        self.assertFalse(self.scrape(exporter, extra=["--tlsv1.3"])[0])
        served, _, err = self.scrape(exporter, extra=["-v"])
        self.assertTrue(served, err)
        self.assertIn("SSL connection using TLSv1.2 ", err)

    def test_go_cipher_and_curve_names_reach_openssl(self):
        exporter = self.start(tls_config(extra=(
            "  max_version: TLS12\n"
            "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
            "  curve_preferences: [CurveP384]\n")))
        code, out = self.s_client(exporter, "-tls1_2")
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"Cipher is ECDHE-ECDSA-AES256-GCM-SHA384")
        self.assertRegex(out, r"Server Temp Key: ECDH, (secp384r1|P-384)")
        code, out = self.s_client(exporter, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
        self.assertNotEqual(code, 0, out)
        code, out = self.s_client(exporter, "-tls1_2", "-groups", "P-256")
        self.assertNotEqual(code, 0, out)

    def test_plain_http_to_the_tls_port_is_refused_cleanly(self):
        exporter = self.start(tls_config())
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", exporter.port), timeout=5) as conn:
                conn.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                data = b""
                try:
                    while True:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except ConnectionResetError:
                    pass
                # Closed without an HTTP answer (and without metrics in clear text).
                self.assertNotIn(b"wireguard_", data)
                self.assertFalse(data.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertTrue(exporter.alive(), exporter.log())
        self.assertTrue(self.scrape(exporter)[0])

    def test_keep_alive_reuses_the_tls_connection(self):
        exporter = self.start(tls_config())
        url = f"https://127.0.0.1:{exporter.port}/metrics"
        code, out, err = curl(["-v", "--cacert", self.pki.ca, url, url, url])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.count(b"# TYPE wireguard_exporter_build_info gauge"), 3)
        self.assertEqual(err.count("SSL connection using"), 1, err)
        self.assertEqual(len(re.findall(r"Re-using existing connection", err)), 2, err)


class ClientAuthTest(TlsTestCase):

    def test_every_client_auth_type_with_no_good_and_rogue_certificates(self):
        seen = {}
        for auth in AUTH_TYPES:
            exporter = self.start(tls_config(auth))
            for label, version in (("1.2", ["--tlsv1.2", "--tls-max", "1.2"]),
                                   ("1.3", ["--tlsv1.3"])):
                for cert in ("none", "good", "rogue"):
                    served, _, err = self.scrape(exporter, None if cert == "none" else cert,
                                                 version)
                    seen[(auth, label, cert)] = served
                    self.assertEqual(served, EXPECTED[auth][cert],
                                     f"{auth} TLS {label} with {cert} certificate: {err}")
            self.assertTrue(exporter.alive(), exporter.log())
            exporter.stop()
        print("\nclient_auth_type results (served / refused):", file=sys.stderr)
        for auth in AUTH_TYPES:
            for label in ("1.2", "1.3"):
                row = ", ".join(
                    f"{cert}: {'served' if seen[(auth, label, cert)] else 'refused'}"
                    for cert in ("none", "good", "rogue"))
                print(f"  {auth:28} TLS {label}  {row}", file=sys.stderr)

    def test_client_allowed_sans_picks_among_valid_certificates(self):
        exporter = self.start(tls_config("RequireAndVerifyClientCert",
                                         "  client_allowed_sans: [scraper.example]\n"))
        self.assertTrue(self.scrape(exporter, "good")[0])
        self.assertFalse(self.scrape(exporter, "other")[0])
        self.assertFalse(self.scrape(exporter, None)[0])
        # An IP SAN in Go's text form matches as well.
        exporter = self.start(tls_config("RequireAnyClientCert",
                                         "  client_allowed_sans: [127.0.0.7]\n"))
        self.assertTrue(self.scrape(exporter, "good")[0])
        self.assertTrue(self.scrape(exporter, "rogue")[0])  # RequireAny does not verify
        self.assertFalse(self.scrape(exporter, "other")[0])

    def test_basic_auth_over_tls_with_client_certificate(self):
        exporter = self.start(tls_config("RequireAndVerifyClientCert") +
                              f"basic_auth_users:\n  prometheus: {SECRET_HASH}\n")
        code, out, err = curl(self.curl_args(exporter, cert="good",
                                             extra=["-u", "prometheus:secret"]))
        self.assertEqual(code, 0, err)
        self.assertIn(b"wireguard_exporter_build_info", out)
        code, out, err = curl(self.curl_args(exporter, cert="good", extra=[
            "-u", "prometheus:wrong", "-o", "/dev/null", "-w", "%{http_code}"]))
        self.assertEqual(out, b"401")
        code, out, err = curl(self.curl_args(exporter, cert="good", extra=[
            "-o", "/dev/null", "-w", "%{http_code}"]))
        self.assertEqual(out, b"401")
        self.assertFalse(self.scrape(exporter, None, ["-u", "prometheus:secret"])[0])


class RotationTest(TlsTestCase):

    def served_serial(self, exporter):
        context = tlsutil.client_context(self.pki)
        with socket.create_connection(("127.0.0.1", exporter.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                der = tls.getpeercert(binary_form=True)
        result = subprocess.run([OPENSSL, "x509", "-inform", "DER", "-noout", "-serial"],
                                input=der, capture_output=True, timeout=10, check=True)
        return result.stdout.decode().strip()

    def serial_of(self, path):
        return tlsutil.run([OPENSSL, "x509", "-in", path, "-noout", "-serial"]).stdout.decode().strip()

    def test_certificate_replaced_by_rename_is_served_to_the_next_connection(self):
        exporter = self.start(tls_config())
        old = self.served_serial(exporter)
        self.assertEqual(old, self.serial_of(self.pki.server))
        # A keep-alive connection opened before the rotation still works after it.
        context = tlsutil.client_context(self.pki)
        held = http.client.HTTPSConnection("127.0.0.1", exporter.port, context=context, timeout=10)
        self.addCleanup(held.close)
        held.request("GET", "/-/healthy")
        self.assertEqual(held.getresponse().read(), b"WireGuard Exporter is Healthy.\n")

        directory = os.path.join(self.work.path, "rotated")
        rotated = Pki.__new__(Pki)
        rotated.dir = directory
        os.makedirs(directory, exist_ok=True)
        key, cert = rotated.make_leaf("server2", "localhost", "DNS:localhost,IP:127.0.0.1",
                                      "serverAuth", ca=(self.pki.ca_key, self.pki.ca))
        # Certbot/cert-manager style: new files renamed over the old ones.
        saved = []
        for path in (self.pki.server, self.pki.server_key):
            with open(path, "rb") as f:
                saved.append(f.read())
        self.addCleanup(self.restore, saved)
        os.replace(key, self.pki.server_key)
        os.replace(cert, self.pki.server)
        new = self.served_serial(exporter)
        self.assertNotEqual(new, old)
        self.assertEqual(new, self.serial_of(self.pki.server))
        held.request("GET", "/-/healthy")
        self.assertEqual(held.getresponse().status, 200)
        self.assertIn("TLS certificate reloaded", exporter.log())

    def restore(self, saved):
        for path, data in zip((self.pki.server, self.pki.server_key), saved):
            with open(path + ".restore", "wb") as f:
                f.write(data)
            os.replace(path + ".restore", path)

    def test_kubernetes_data_symlink_swap_and_a_bad_pair_keeps_the_last_good(self):
        # The layout of a Kubernetes secret volume: tls.crt -> ..data/tls.crt,
        # ..data -> ..<timestamp>/, swapped by renaming a new ..data link.
        base = os.path.join(self.work.path, "secret-volume")
        os.makedirs(base)
        first = os.path.join(base, "..2026_01")
        os.makedirs(first)
        for src, name in ((self.pki.server, "tls.crt"), (self.pki.server_key, "tls.key")):
            with open(src, "rb") as f, open(os.path.join(first, name), "wb") as out:
                out.write(f.read())
        os.symlink("..2026_01", os.path.join(base, "..data"))
        for name in ("tls.crt", "tls.key"):
            os.symlink(os.path.join("..data", name), os.path.join(base, name))
        exporter = self.start("tls_server_config:\n"
                              f"  cert_file: {base}/tls.crt\n  key_file: {base}/tls.key\n")
        old = self.served_serial(exporter)

        def swap(directory_name, cert_src, key_src):
            target = os.path.join(base, directory_name)
            os.makedirs(target)
            for src, name in ((cert_src, "tls.crt"), (key_src, "tls.key")):
                with open(src, "rb") as f, open(os.path.join(target, name), "wb") as out:
                    out.write(f.read())
            os.symlink(directory_name, os.path.join(base, "..data_tmp"))
            os.replace(os.path.join(base, "..data_tmp"), os.path.join(base, "..data"))

        rotated = Pki.__new__(Pki)
        rotated.dir = os.path.join(self.work.path, "k8s-rotated")
        os.makedirs(rotated.dir)
        key, cert = rotated.make_leaf("server3", "localhost", "DNS:localhost,IP:127.0.0.1",
                                      "serverAuth", ca=(self.pki.ca_key, self.pki.ca))
        swap("..2026_02", cert, key)
        new = self.served_serial(exporter)
        self.assertNotEqual(new, old)
        self.assertEqual(new, self.serial_of(cert))

        # A pair that does not belong together: logged, the last good one served.
        swap("..2026_03", self.pki.server, key)
        self.assertEqual(self.served_serial(exporter), new)
        self.assertTrue(self.scrape(exporter)[0])
        self.assertIn("does not belong to the certificate", exporter.log())
        self.assertTrue(exporter.alive())

    def test_client_auth_type_changed_in_the_web_config_applies_to_the_next_connection(self):
        exporter = self.start(tls_config("NoClientCert"))
        self.assertTrue(self.scrape(exporter, None)[0])
        exporter.write_web_config(tls_config("RequireAndVerifyClientCert"))
        self.assertFalse(self.scrape(exporter, None)[0])
        self.assertTrue(self.scrape(exporter, "good")[0])
        # Turning TLS off needs a restart: refused, TLS stays.
        exporter.write_web_config("")
        self.assertTrue(self.scrape(exporter, "good")[0])
        self.assertIn("needs a restart", exporter.log())


class LargeBodyTest(TlsTestCase):
    PEERS = 100_000

    def fetch(self, port, context, gzip_ok):
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=120) \
            if context else http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
            conn.request("GET", "/metrics", headers=headers)
            response = conn.getresponse()
            body = response.read()
            self.assertEqual(response.status, 200)
            self.assertEqual(response.getheader("Transfer-Encoding"), "chunked")
            if gzip_ok:
                self.assertEqual(response.getheader("Content-Encoding"), "gzip")
                body = gzip.decompress(body)
            return body
        finally:
            conn.close()

    # Series that follow the clock or the scrape itself, not the interface,
    # and the process_* figures, which are each exporter's own.
    MOVING = (b"_duration_seconds", b"_age_seconds", b"config_last_reload_success_timestamp")

    def stable(self, body):
        """The exposition without the samples that differ from scrape to scrape
        or from one exporter process to another."""
        return b"\n".join(line for line in body.split(b"\n")
                          if line.startswith(b"#") or not (
                              line.startswith(b"process_") or any(m in line for m in self.MOVING)))

    def test_100k_peer_body_streamed_over_tls_matches_plain_http_with_and_without_gzip(self):
        # A short directory: a socket path has room for 107 bytes.
        sockets = tlsutil.Workdir("wgxs-")
        self.addCleanup(sockets.close)
        exporter = self.start(tls_config(), socket_dir=sockets.path)
        fake = tlsutil.FakeWireGuard(sockets.path, "wgtlsbig0", self.PEERS)
        self.addCleanup(fake.close)
        plain = Exporter(os.path.join(self.work.path, "plain-big"),
                         socket_dir=exporter.socket_dir)
        plain.start()
        self.addCleanup(plain.stop)
        context = tlsutil.client_context(self.pki)
        reference = self.stable(self.fetch(plain.port, None, False))
        self.assertEqual(reference.count(b"wireguard_peer_receive_bytes_total{"), self.PEERS)
        self.assertGreater(len(reference), 50 * 1024 * 1024)
        for gzip_ok in (False, True):
            body = self.stable(self.fetch(exporter.port, context, gzip_ok))
            self.assertEqual(len(body), len(reference), f"gzip={gzip_ok}")
            self.assertTrue(body == reference, f"gzip={gzip_ok}: bodies differ")


class StartupErrorTest(TlsTestCase):

    def run_exporter(self, web_config):
        directory = os.path.join(self.work.path, f"startup-{time.monotonic_ns()}")
        os.makedirs(directory)
        os.symlink(self.pki.dir, os.path.join(directory, "pki"))
        exporter = Exporter(directory, web_config)
        result = subprocess.run(exporter.args, capture_output=True, timeout=20)
        return result.returncode, result.stderr.decode(errors="replace"), exporter.web_config_path

    def test_missing_certificate_is_refused_with_file_line_column(self):
        code, err, path = self.run_exporter(
            "tls_server_config:\n  cert_file: pki/missing.crt\n  key_file: pki/server.key\n")
        self.assertEqual(code, 1, err)
        self.assertIn(f"{path}:2:14: tls_server_config.cert_file:", err)
        self.assertIn("missing.crt", err)

    def test_key_of_another_certificate_is_refused(self):
        code, err, path = self.run_exporter(
            "tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/client.key\n")
        self.assertEqual(code, 1, err)
        self.assertIn(f"{path}:3:13:", err)
        self.assertIn("does not belong to the certificate", err)

    def test_without_its_tls_libraries_the_exporter_refuses_to_open_the_port(self):
        # A copy of the binary with no helper libraries beside it.
        directory = os.path.join(self.work.path, f"lonely-{time.monotonic_ns()}")
        os.makedirs(directory)
        lonely = os.path.join(directory, "wireguard_exporter")
        shutil.copy(tlsutil.EXPORTER, lonely)
        os.symlink(self.pki.dir, os.path.join(directory, "pki"))
        exporter = Exporter(directory, tls_config())
        exporter.args[0] = lonely
        result = subprocess.run(exporter.args, capture_output=True, timeout=20)
        err = result.stderr.decode(errors="replace")
        self.assertEqual(result.returncode, 1, err)
        self.assertIn("cannot serve TLS: the TLS helper libraries", err)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", exporter.port), timeout=2).close()

    def test_verify_mode_without_ca_is_refused(self):
        code, err, path = self.run_exporter(
            "tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server.key\n"
            "  client_auth_type: RequireAndVerifyClientCert\n")
        self.assertEqual(code, 1, err)
        self.assertIn(f"{path}:4:21:", err)
        self.assertIn("client_ca_file", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
