"""Hostile TLS clients against the real exporter serving TLS: handshakes fed
one byte a second, handshakes that never finish, garbage instead of a
ClientHello, many half-open connections. Each must be cut off or refused, the
process must live, and a normal scrape must answer at once afterwards.
Every loop is bounded in count and time; traffic goes to loopback only.

Run by ctest with WGX_EXPORTER set to the binary:
    python3 test_tls_abuse.py [unittest arguments]
"""

import os
import random
import socket
import ssl
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsutil  # noqa: E402
from tlsutil import Exporter, Pki  # noqa: E402

# How long a scrape after an abuse may take: "at once".
SCRAPE_DEADLINE = 2.0
# How long slow clients are kept going at most (the request timeout is 10 s).
ABUSE_SECONDS = 15.0


def client_hello():
    """The bytes of a real TLS 1.3 ClientHello from Python's ssl module."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class TlsAbuseTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not (tlsutil.EXPORTER and os.access(tlsutil.EXPORTER, os.X_OK)):
            raise AssertionError("WGX_EXPORTER must name the exporter binary")
        cls.work = tlsutil.Workdir("wgx-tls-abuse-")
        cls.pki = Pki(os.path.join(cls.work.path, "pki"))

    @classmethod
    def tearDownClass(cls):
        cls.work.close()

    def setUp(self):
        directory = os.path.join(self.work.path, self.id().split(".")[-1])
        self.exporter = Exporter(directory, (
            "tls_server_config:\n"
            f"  cert_file: {self.pki.server}\n  key_file: {self.pki.server_key}\n"
            "  client_auth_type: VerifyClientCertIfGiven\n"
            f"  client_ca_file: {self.pki.ca}\n"), ["--web.max-requests=4"])
        self.exporter.start()
        self.addCleanup(self.check_stopped_cleanly)

    def check_stopped_cleanly(self):
        code = self.exporter.stop()
        log = self.exporter.log()
        self.assertNotIn("Sanitizer", log)
        self.assertEqual(code, 0, log[-3000:])

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.exporter.port), timeout=5)

    def assert_scrape_succeeds_at_once(self):
        self.assertTrue(self.exporter.alive(), self.exporter.log())
        context = tlsutil.client_context(self.pki, self.pki.client, self.pki.client_key)
        started = time.monotonic()
        with self.connect() as raw:
            raw.settimeout(SCRAPE_DEADLINE)
            with context.wrap_socket(raw, server_hostname="localhost") as conn:
                conn.sendall(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
                             b"Connection: close\r\n\r\n")
                data = b""
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        elapsed = time.monotonic() - started
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:300])
        self.assertIn(b"wireguard_exporter_config_last_reload_successful 1", data)
        self.assertLess(elapsed, SCRAPE_DEADLINE)

    def hold_until_cut_off(self, clients, feed=None):
        """Keeps `clients` open (feeding each one byte a second from `feed`)
        until the server closed all of them or ABUSE_SECONDS passed; returns
        how many it closed."""
        for conn in clients:
            conn.setblocking(False)
        cut_off = set()
        started = time.monotonic()
        step = 0
        while time.monotonic() - started < ABUSE_SECONDS and len(cut_off) < len(clients):
            for index, conn in enumerate(clients):
                if index in cut_off:
                    continue
                try:
                    while True:  # drain what the server sent (ServerHello, alerts)
                        if conn.recv(65536) == b"":
                            cut_off.add(index)
                            break
                except BlockingIOError:
                    pass
                except OSError:
                    cut_off.add(index)
                    continue
                if feed is not None and index not in cut_off:
                    try:
                        conn.send(feed[step % len(feed):][:1])
                    except (BlockingIOError, OSError):
                        pass
            step += 1
            time.sleep(1)
        return len(cut_off)

    def test_slow_handshakes_are_cut_off(self):
        hello = client_hello()
        clients = [self.connect() for _ in range(20)]
        try:
            closed = self.hold_until_cut_off(clients, feed=hello)
            self.assertTrue(self.exporter.alive(), self.exporter.log())
            self.assertGreater(closed, 0, "no drip-fed handshake was cut off")
        finally:
            for conn in clients:
                conn.close()
        self.assert_scrape_succeeds_at_once()

    def test_handshakes_that_never_finish_are_cut_off(self):
        hello = client_hello()
        clients = [self.connect() for _ in range(20)]
        try:
            for conn in clients:
                conn.sendall(hello)  # then never a Finished
            closed = self.hold_until_cut_off(clients)
            self.assertEqual(closed, len(clients), "unfinished handshakes held beyond "
                             f"{ABUSE_SECONDS:.0f}s")
        finally:
            for conn in clients:
                conn.close()
        self.assert_scrape_succeeds_at_once()

    def test_garbage_instead_of_a_client_hello_is_refused(self):
        rng = random.Random(12)
        payloads = [bytes(rng.getrandbits(8) for _ in range(n)) for n in (1, 5, 300, 20000)]
        payloads += [b"\x16\x03\x01\xff\xff" + b"\x00" * 64,  # a record claiming 64 KiB
                     b"\x16\x03\x01\x00\x30\x01\x00\x00\x2c" + b"\xff" * 44,  # broken hello
                     b"\x80\x2e\x01\x00\x02" + b"\x00" * 41,  # SSLv2-style hello
                     b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]
        for payload in payloads:
            with self.connect() as conn:
                try:
                    conn.sendall(payload)
                    conn.settimeout(12)
                    while conn.recv(65536):
                        pass
                except (ConnectionResetError, BrokenPipeError):
                    pass
                except socket.timeout:
                    self.fail(f"connection with {payload[:16]!r}... not closed within 12 s")
            self.assertTrue(self.exporter.alive(), self.exporter.log())
        self.assert_scrape_succeeds_at_once()

    def test_many_half_open_connections_leave_the_scrape_alone(self):
        # 40 silent connections (fewer than the 64 workers) stay open while a
        # scrape is answered at once; then 150 more, all closed again.
        silent = [self.connect() for _ in range(40)]
        try:
            time.sleep(0.5)
            self.assert_scrape_succeeds_at_once()
            more = [self.connect() for _ in range(150)]
            for conn in more[::2]:
                conn.sendall(client_hello()[:50])
            time.sleep(2)
            for conn in more:
                conn.close()
        finally:
            for conn in silent:
                conn.close()
        # Closed half-open handshakes end at once on the server's side.
        time.sleep(1)
        self.assert_scrape_succeeds_at_once()


if __name__ == "__main__":
    unittest.main(verbosity=2)
