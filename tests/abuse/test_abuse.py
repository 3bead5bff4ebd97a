"""Hostile clients and misuse from outside, against the real exporter binary.

The exporter runs on 127.0.0.1 with an empty socket directory and without
the kernel reader, so no WireGuard is needed. Every abuse must be answered or
cut off, the process must survive it, and a normal scrape must succeed at
once afterwards. Every loop here is bounded in count and time; traffic goes to
loopback only.

Run by ctest with WGX_EXPORTER set to the binary:
    python3 test_abuse.py [unittest arguments]
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import procs  # noqa: E402

EXPORTER = os.environ.get("WGX_EXPORTER", "")

# How long a scrape after an abuse may take: "at once".
SCRAPE_DEADLINE = 2.0
# How long slow clients are kept going at most.
ABUSE_SECONDS = 15.0
# Any single exporter invocation that should exit on its own.
EXIT_DEADLINE = 10.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(port, request, timeout=5.0, limit=1 << 20):
    """Sends raw bytes, returns (status or None, headers text, body bytes, closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.settimeout(timeout)
        try:
            conn.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may cut us off before we are done sending
        return read_response(conn, timeout, limit)


def read_response(conn, timeout, limit=1 << 20):
    data = b""
    closed = False
    deadline = time.monotonic() + timeout
    while len(data) < limit and time.monotonic() < deadline:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = conn.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if match and len(body) >= int(match.group(1)):
                break
    head, _, body = data.partition(b"\r\n\r\n")
    status = None
    match = re.match(rb"HTTP/\d\.\d (\d{3})", head)
    if match:
        status = int(match.group(1))
    return status, head.decode("latin-1"), body, closed


def get(port, path, timeout=5.0, headers=""):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n"
    return http_request(port, request.encode(), timeout=timeout)


class Exporter:
    """One exporter process; stderr goes to a file the test can read."""

    def __init__(self, *extra_args, socket_dir=None):
        self.workdir = tempfile.mkdtemp(prefix="wgx-abuse-")
        self.socket_dir = socket_dir or os.path.join(self.workdir, "sockets")
        os.makedirs(self.socket_dir, exist_ok=True)
        self.port = free_port()
        self.stderr_path = os.path.join(self.workdir, "stderr.log")
        self.args = [
            EXPORTER,
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--wireguard.socket-dir={self.socket_dir}",
            "--no-wireguard.kernel",
            *extra_args,
        ]
        self.process = None

    def start(self):
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=err,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"exporter exited with {self.process.returncode}: "
                                     f"{self.stderr()}")
            with contextlib.suppress(OSError):
                status, _, _, _ = get(self.port, "/-/healthy", timeout=1)
                if status == 200:
                    return self
            time.sleep(0.05)
        raise AssertionError(f"exporter did not become healthy: {self.stderr()}")

    def stderr(self):
        with open(self.stderr_path, "rb") as err:
            return err.read().decode("utf-8", "replace")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        procs.stop(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


class ExporterTestCase(unittest.TestCase):
    exporter_args = ("--web.enable-lifecycle", "--web.max-requests=2")

    def setUp(self):
        self.assertTrue(EXPORTER and os.access(EXPORTER, os.X_OK),
                        "WGX_EXPORTER must name the exporter binary")
        self.exporter = Exporter(*self.exporter_args).start()
        self.addCleanup(self.exporter.stop)

    def assert_scrape_succeeds_at_once(self):
        self.assertTrue(self.exporter.alive(), f"exporter died: {self.exporter.stderr()}")
        started = time.monotonic()
        status, head, body, _ = get(self.exporter.port, "/metrics", timeout=SCRAPE_DEADLINE)
        elapsed = time.monotonic() - started
        self.assertEqual(status, 200, f"scrape after abuse: {head!r} after {elapsed:.2f}s")
        self.assertLess(elapsed, SCRAPE_DEADLINE)
        text = body.decode()
        self.assertIn("# TYPE wireguard_exporter_build_info gauge", text)
        self.assertRegex(text, r"(?m)^wireguard_exporter_config_last_reload_successful 1$")


class SlowClientTest(ExporterTestCase):

    def test_idle_and_drip_fed_clients_are_cut_off(self):
        # 25 clients never send a byte; 25 send a request one byte per second.
        port = self.exporter.port
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(25)]
        drip = [socket.create_connection(("127.0.0.1", port)) for _ in range(25)]
        clients = idle + drip
        for conn in clients:
            conn.setblocking(False)
        request = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 64
        cut_off = set()
        try:
            started = time.monotonic()
            step = 0
            while time.monotonic() - started < ABUSE_SECONDS and len(cut_off) < len(clients):
                for index, conn in enumerate(clients):
                    if index in cut_off:
                        continue
                    try:
                        if conn.recv(4096) == b"":
                            cut_off.add(index)
                            continue
                    except BlockingIOError:
                        pass
                    except OSError:
                        cut_off.add(index)
                        continue
                    if conn in drip:
                        try:
                            conn.send(request[step % len(request):][:1])
                        except BlockingIOError:
                            pass
                        except OSError:
                            cut_off.add(index)
                step += 1
                time.sleep(1)
            self.assertTrue(self.exporter.alive(), self.exporter.stderr())
            # The request timeout must have ended some of them by now: the
            # server does not wait for a slow client forever.
            self.assertGreater(len(cut_off), 0, "no slow client was cut off within "
                               f"{ABUSE_SECONDS:.0f}s")
        finally:
            for conn in clients:
                conn.close()
        self.assert_scrape_succeeds_at_once()


class OversizedRequestTest(ExporterTestCase):

    def test_64k_header_line_is_refused(self):
        request = (b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 65536 +
                   b"\r\nConnection: close\r\n\r\n")
        status, head, body, closed = http_request(self.exporter.port, request)
        self.assertTrue(status in (400, 413, 431) or (status is None and closed),
                        f"answered {head!r}")
        self.assertNotIn(b"wireguard_", body)
        self.assert_scrape_succeeds_at_once()

    def test_many_headers_are_refused(self):
        headers = b"".join(b"X-H%d: v\r\n" % i for i in range(4000))
        request = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n"
        status, head, body, closed = http_request(self.exporter.port, request)
        self.assertTrue(status in (400, 413, 431) or (status is None and closed),
                        f"answered {head!r}")
        self.assert_scrape_succeeds_at_once()


class RequestBodyTest(ExporterTestCase):
    """Bodies nobody reads: no endpoint takes one, so none may tie up the server."""

    def hold_body_senders(self, headers, body_piece, clients=20):
        """Starts `clients` POSTs to /-/reload that keep sending body bytes.

        Returns how many connections the server ended (after answering or
        not) within the abuse window, and the statuses it answered with.
        """
        port = self.exporter.port
        conns = []
        for _ in range(clients):
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
            conn.setblocking(False)
            conns.append(conn)
        ended = set()
        received = {index: b"" for index in range(clients)}
        try:
            started = time.monotonic()
            while time.monotonic() - started < ABUSE_SECONDS and len(ended) < clients:
                for index, conn in enumerate(conns):
                    if index in ended:
                        continue
                    try:
                        chunk = conn.recv(65536)
                        if chunk == b"":
                            ended.add(index)
                            continue
                        received[index] += chunk
                    except BlockingIOError:
                        pass
                    except OSError:
                        ended.add(index)
                        continue
                    try:
                        conn.send(body_piece)
                    except BlockingIOError:
                        pass
                    except OSError:
                        ended.add(index)
                time.sleep(0.5)
            # While the senders still push bytes, a scrape must get through.
            self.assert_scrape_succeeds_at_once()
        finally:
            for conn in conns:
                conn.close()
        statuses = set()
        for data in received.values():
            match = re.match(rb"HTTP/\d\.\d (\d{3})", data)
            if match:
                statuses.add(int(match.group(1)))
        return len(ended), statuses

    def test_huge_content_length_is_answered_and_closed(self):
        ended, statuses = self.hold_body_senders(b"Content-Length: 100000000000\r\n", b"x" * 64)
        self.assertEqual(ended, 20, "connections still open while their body trickles in")
        self.assertTrue(statuses <= {200, 400, 413, 500}, statuses)
        self.assert_scrape_succeeds_at_once()

    def test_endless_chunked_body_is_answered_and_closed(self):
        chunk = b"40\r\n" + b"x" * 64 + b"\r\n"
        ended, statuses = self.hold_body_senders(b"Transfer-Encoding: chunked\r\n", chunk)
        self.assertEqual(ended, 20, "connections still open while their body trickles in")
        self.assertTrue(statuses <= {200, 400, 411, 413, 500, 501}, statuses)
        self.assert_scrape_succeeds_at_once()


class MethodAndPathTest(ExporterTestCase):

    def test_unknown_methods_are_refused(self):
        for method in ("BREW", "PROPFIND", "DELETE", "TRACE", "CONNECT"):
            for path in ("/metrics", "/", "/-/reload"):
                with self.subTest(method=method, path=path):
                    request = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Connection: close\r\n\r\n").encode()
                    status, head, body, closed = http_request(self.exporter.port, request)
                    self.assertIn(status, (400, 405, 501), head)
                    self.assertNotIn(b"wireguard_", body)
        self.assert_scrape_succeeds_at_once()

    def test_wrong_method_on_known_endpoint_says_what_is_allowed(self):
        status, head, _, _ = http_request(
            self.exporter.port,
            b"POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n")
        self.assertEqual(status, 405, head)
        self.assertRegex(head, r"(?im)^allow: .*GET")

    def test_unknown_paths_are_404(self):
        for path in ("/nope", "/metrics/extra", "/metricsx", "/-/", "/-/reloadx", "/index.html",
                     "/" + "a" * 4000):
            with self.subTest(path=path[:40]):
                status, head, body, _ = get(self.exporter.port, path)
                self.assertIn(status, (404, 400), head)
                self.assertNotIn(b"wireguard_", body)
        self.assert_scrape_succeeds_at_once()

    def test_path_traversal_serves_no_file(self):
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                     "/metrics/../../../../etc/passwd", "//etc/passwd", "/./etc/passwd",
                     "/-/../../../proc/self/environ", "/..\\..\\etc\\passwd"):
            with self.subTest(path=path):
                status, head, body, _ = get(self.exporter.port, path)
                self.assertIn(status, (404, 400), head)
                self.assertNotIn(b"root:", body)
                self.assertNotIn(b"PATH=", body)
                self.assertLess(len(body), 64, body)
        self.assert_scrape_succeeds_at_once()

    def test_malformed_request_lines_are_refused(self):
        for request in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET /metrics\r\n\r\n",
                        b"GET /metrics HTTP/9.9\r\n\r\n", b"GET  HTTP/1.1\r\n\r\n",
                        b"\x00\x01\x02\xff\xfe\r\n\r\n", b"GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", b"\r\n\r\n\r\n\r\n",
                        b"GET /me\ntrics HTTP/1.1\r\n\r\n", b"G" * 20000 + b"\r\n\r\n"):
            with self.subTest(request=request[:30]):
                status, head, body, closed = http_request(self.exporter.port, request, timeout=12)
                # Answered with an error, or the connection is closed without one.
                self.assertTrue((status is not None and status >= 400) or closed,
                                f"{head!r} closed={closed}")
                self.assertNotIn(b"wireguard_peer", body)
        self.assert_scrape_succeeds_at_once()


class SlowUapiSocket:
    """A userspace WireGuard socket that takes `delay` seconds per answer."""

    ANSWER = b"listen_port=51820\nerrno=0\n\n"

    def __init__(self, directory, name, delay):
        self.path = os.path.join(directory, name + ".sock")
        self.delay = delay
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(64)
        self.server.settimeout(0.2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn):
        with conn:
            conn.settimeout(5)
            data = b""
            with contextlib.suppress(OSError):
                while b"\n\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                self.stopping.wait(self.delay)
                conn.sendall(self.ANSWER)

    def close(self):
        self.stopping.set()
        self.server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.thread.join(timeout=5)


class ConcurrencyLimitTest(ExporterTestCase):

    def test_scrapes_beyond_max_requests_get_503(self):
        # Each scrape waits about a second on this interface, so 12 at once
        # overlap and exceed --web.max-requests=2.
        slow = SlowUapiSocket(self.exporter.socket_dir, "wgfzslow0", delay=1.0)
        self.addCleanup(slow.close)
        statuses = []
        lock = threading.Lock()

        def scrape():
            status, head, body, _ = get(self.exporter.port, "/metrics", timeout=10)
            with lock:
                statuses.append((status, body))

        threads = [threading.Thread(target=scrape) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        self.assertEqual(len(statuses), 12)
        codes = sorted(status for status, _ in statuses)
        self.assertTrue(set(codes) <= {200, 503}, codes)
        self.assertIn(503, codes)
        self.assertIn(200, codes)
        for status, body in statuses:
            if status == 503:
                self.assertIn(b"--web.max-requests=2", body)
            else:
                self.assertIn(b'wireguard_interface_up{interface="wgfzslow0"} 1', body)
        slow.close()
        self.assert_scrape_succeeds_at_once()


def run_exporter(args, user=None):
    """Runs the exporter to its exit; returns (exit code, stderr lines)."""
    command = [EXPORTER, *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                   "--inh-caps=-all", *command]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=EXIT_DEADLINE, check=False)
    lines = [line for line in result.stderr.decode("utf-8", "replace").splitlines() if line]
    return result.returncode, lines


def error_lines(lines):
    return [line for line in lines if "level=error" in line or "error:" in line
            or "fatal" in line]


class CommandLineMisuseTest(unittest.TestCase):

    def setUp(self):
        self.assertTrue(EXPORTER and os.access(EXPORTER, os.X_OK),
                        "WGX_EXPORTER must name the exporter binary")
        self.workdir = tempfile.mkdtemp(prefix="wgx-misuse-")
        os.chmod(self.workdir, 0o755)
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.common = [f"--wireguard.socket-dir={self.workdir}", "--no-wireguard.kernel"]

    def test_wrong_flags_exit_2_with_one_line(self):
        cases = {
            "--no-such-flag": "no-such-flag",
            "--web.max-requests=lots": "web.max-requests",
            "--log.level=loud": "log.level",
            "--log.format=xml": "log.format",
            "--web.listen-address=not-an-address": "web.listen-address",
            "--web.listen-address": "web.listen-address",  # value missing
            "positional": "positional",
        }
        for flag, named in cases.items():
            with self.subTest(flag=flag):
                code, lines = run_exporter([flag])
                self.assertEqual(code, 2, lines)
                self.assertEqual(len(lines), 1, lines)
                self.assertIn(named, lines[0])

    def test_listen_address_in_use_exits_1_naming_it(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            address = f"127.0.0.1:{taken.getsockname()[1]}"
            started = time.monotonic()
            code, lines = run_exporter([f"--web.listen-address={address}", *self.common])
            elapsed = time.monotonic() - started
        self.assertEqual(code, 1, lines)
        errors = error_lines(lines)
        self.assertEqual(len(errors), 1, lines)
        self.assertIn(address, errors[0])
        self.assertLess(elapsed, 5, "the exporter took long to give up")

    def test_address_not_on_this_host_exits_1_naming_it(self):
        # TEST-NET-1 is never assigned to a local interface: bind() fails with
        # EADDRNOTAVAIL before any packet could be sent.
        address = "192.0.2.1:9586"
        code, lines = run_exporter([f"--web.listen-address={address}", *self.common])
        self.assertEqual(code, 1, lines)
        errors = error_lines(lines)
        self.assertEqual(len(errors), 1, lines)
        self.assertIn(address, errors[0])

    def test_privileged_port_as_unprivileged_user_exits_1_naming_it(self):
        address = "127.0.0.1:1"
        if os.geteuid() == 0:
            if shutil.which("setpriv") is None:
                self.skipTest("setpriv (util-linux) is needed to drop root")
            if not self.readable_by_nobody(EXPORTER):
                self.skipTest(f"{EXPORTER} is not reachable by user nobody")
            code, lines = run_exporter([f"--web.listen-address={address}", *self.common],
                                       user=65534)
        else:
            code, lines = run_exporter([f"--web.listen-address={address}", *self.common])
        self.assertEqual(code, 1, lines)
        errors = error_lines(lines)
        self.assertEqual(len(errors), 1, lines)
        self.assertIn(address, errors[0])

    @staticmethod
    def readable_by_nobody(path):
        # Every directory on the way must be searchable by others.
        path = os.path.abspath(path)
        if not os.stat(path).st_mode & 0o001:
            return False
        directory = os.path.dirname(path)
        while directory and directory != "/":
            if not os.stat(directory).st_mode & 0o001:
                return False
            directory = os.path.dirname(directory)
        return True

    def test_missing_config_file_exits_1_naming_it(self):
        path = os.path.join(self.workdir, "missing.yml")
        port = free_port()
        code, lines = run_exporter([f"--config.file={path}",
                                    f"--web.listen-address=127.0.0.1:{port}", *self.common])
        self.assertEqual(code, 1, lines)
        errors = error_lines(lines)
        self.assertEqual(len(errors), 1, lines)
        self.assertIn(path, errors[0])

    def test_invalid_config_file_exits_1_with_file_line_column(self):
        path = os.path.join(self.workdir, "bad.yml")
        with open(path, "w", encoding="utf-8") as config:
            config.write("defaults:\n  online_threshold: 3m\n  read_timeout: soon\n")
        port = free_port()
        for extra in ([f"--web.listen-address=127.0.0.1:{port}"], ["--config.check"]):
            with self.subTest(args=extra):
                code, lines = run_exporter([f"--config.file={path}", *extra, *self.common])
                self.assertEqual(code, 1, lines)
                self.assertEqual(len(error_lines(lines) or lines), 1, lines)
                self.assertRegex("\n".join(lines), re.escape(path) + r":3:\d+: ")

    def test_config_file_that_is_a_directory_exits_1(self):
        code, lines = run_exporter([f"--config.file={self.workdir}", "--config.check",
                                    *self.common])
        self.assertEqual(code, 1, lines)
        self.assertIn(self.workdir, "\n".join(lines))

    def test_web_config_naming_a_missing_certificate_is_refused(self):
        path = os.path.join(self.workdir, "web.yml")
        with open(path, "w", encoding="utf-8") as web:
            web.write("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n")
        port = free_port()
        code, lines = run_exporter([f"--web.config.file={path}",
                                    f"--web.listen-address=127.0.0.1:{port}", *self.common])
        self.assertEqual(code, 1, lines)
        errors = error_lines(lines)
        self.assertEqual(len(errors), 1, lines)
        self.assertIn(f"{path}:2:14: tls_server_config.cert_file: "
                      f"{os.path.join(self.workdir, 'a.crt')}: cannot read it", errors[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
