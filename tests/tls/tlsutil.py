"""Shared pieces of the TLS suites: certificates made with the openssl CLI at
test time, the exporter started with a web config, and a userspace WireGuard
socket that answers like wireguard-go with many peers.

Only the Python 3 standard library, the openssl and curl programs. Every
server listens on 127.0.0.1; everything created is removed by close().
"""

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import procs  # noqa: E402

EXPORTER = os.environ.get("WGX_EXPORTER", "")
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
CURL = shutil.which("curl") or "/usr/bin/curl"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, timeout=60, check=True, **kwargs):
    result = subprocess.run(argv, capture_output=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{argv[0]} failed ({result.returncode}): "
                             f"{result.stderr.decode(errors='replace')}")
    return result


class Pki:
    """A CA, a server certificate for localhost/127.0.0.1 signed by it, a
    client certificate signed by it (SAN DNS:scraper.example), and a rogue
    client certificate from another CA with the same names."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.ca_key, self.ca = self.make_ca("ca", "wgx test CA")
        self.rogue_ca_key, self.rogue_ca = self.make_ca("rogue-ca", "wgx test CA")
        self.server_key, self.server = self.make_leaf(
            "server", "localhost", "DNS:localhost,IP:127.0.0.1", "serverAuth")
        self.client_key, self.client = self.make_leaf(
            "client", "scraper", "DNS:scraper.example,IP:127.0.0.7", "clientAuth")
        self.other_client_key, self.other_client = self.make_leaf(
            "other-client", "other", "DNS:other.example", "clientAuth")
        self.rogue_key, self.rogue = self.make_leaf(
            "rogue", "scraper", "DNS:scraper.example,IP:127.0.0.7", "clientAuth",
            ca=(self.rogue_ca_key, self.rogue_ca))

    def path(self, name):
        return os.path.join(self.dir, name)

    def make_ca(self, name, cn):
        key, cert = self.path(name + ".key"), self.path(name + ".crt")
        run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return key, cert

    def make_leaf(self, name, cn, san, usage, ca=None, days=2):
        ca_key, ca_cert = ca or (self.ca_key, self.ca)
        key, csr, cert = (self.path(name + ".key"), self.path(name + ".csr"),
                          self.path(name + ".crt"))
        ext = self.path(name + ".ext")
        with open(ext, "w", encoding="ascii") as f:
            f.write(f"subjectAltName={san}\nextendedKeyUsage={usage}\n"
                    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n")
        run([OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", f"/CN={cn}"])
        run([OPENSSL, "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
             "-CAcreateserial", "-out", cert, "-days", str(days), "-extfile", ext])
        return key, cert


class FakeWireGuard:
    """A userspace WireGuard UAPI socket (NAME.sock) answering get=1 with
    `peers` peers, in wireguard-go's format (see tests/data/uapi)."""

    def __init__(self, directory, name, peers):
        self.path = os.path.join(directory, name + ".sock")
        lines = ["private_key=" + "11" * 32, "listen_port=51820"]
        for i in range(peers):
            lines += [f"public_key={i:064x}",
                      "preshared_key=" + "00" * 32,
                      "protocol_version=1",
                      f"endpoint=10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}:51820",
                      f"last_handshake_time_sec={1700000000 + i}",
                      "last_handshake_time_nsec=0",
                      f"tx_bytes={i * 7}", f"rx_bytes={i * 3}",
                      "persistent_keepalive_interval=25",
                      f"allowed_ip=10.200.{(i >> 8) & 255}.{i & 255}/32"]
        self.answer = ("\n".join(lines) + "\nerrno=0\n\n").encode()
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
            threading.Thread(target=self.reply, args=(conn,), daemon=True).start()

    def reply(self, conn):
        with conn, contextlib.suppress(OSError):
            conn.settimeout(10)
            data = b""
            while b"\n\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            conn.sendall(self.answer)

    def close(self):
        self.stopping.set()
        self.server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.thread.join(timeout=5)


class Exporter:
    """The exporter on 127.0.0.1 with `web_config` (YAML text, written to
    web.yml in its own directory) and an empty socket directory."""

    def __init__(self, workdir, web_config=None, extra_args=(), socket_dir=None):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.socket_dir = socket_dir or os.path.join(workdir, "sockets")
        os.makedirs(self.socket_dir, exist_ok=True)
        self.port = free_port()
        self.web_config_path = os.path.join(workdir, "web.yml")
        self.stderr_path = os.path.join(workdir, f"exporter-{self.port}.log")
        self.args = [EXPORTER, f"--web.listen-address=127.0.0.1:{self.port}",
                     f"--wireguard.socket-dir={self.socket_dir}", "--no-wireguard.kernel",
                     *extra_args]
        if web_config is not None:
            self.write_web_config(web_config)
            self.args.append(f"--web.config.file={self.web_config_path}")
        self.process = None

    def write_web_config(self, text):
        temporary = self.web_config_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, self.web_config_path)

    def start(self, ready=None):
        """Starts it and waits until `ready()` (default: a TCP connect) holds."""
        with open(self.stderr_path, "ab") as err:
            self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"exporter exited with {self.process.returncode}: "
                                     f"{self.log()}")
            with contextlib.suppress(OSError):
                if ready is not None:
                    if ready():
                        return self
                else:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
            time.sleep(0.05)
        raise AssertionError(f"exporter did not come up: {self.log()}")

    def log(self):
        with contextlib.suppress(FileNotFoundError), open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")
        return ""

    def alive(self):
        return self.process is not None and self.process.poll() is None

    # What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
    # print when a sanitized build finds something.
    SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

    def stop(self):
        """Stops it; an AssertionError when a sanitizer reported anything."""
        code = procs.stop(self.process)
        log = self.log()
        for report in self.SANITIZER_REPORTS:
            if report in log:
                raise AssertionError(f"sanitizer report from the exporter:\n{log[-6000:]}")
        return code


def client_context(pki, cert=None, key=None, minimum=None, maximum=None):
    """A Python TLS client trusting the test CA, optionally with a client cert."""
    context = ssl.create_default_context(cafile=pki.ca)
    if cert:
        context.load_cert_chain(cert, key)
    if minimum:
        context.minimum_version = minimum
    if maximum:
        context.maximum_version = maximum
    return context


def curl(args, timeout=30):
    """curl with the given arguments; returns (exit code, stdout bytes, stderr text)."""
    result = subprocess.run([CURL, "--silent", "--show-error", "--max-time", str(timeout - 5),
                             *args], capture_output=True, timeout=timeout)
    return result.returncode, result.stdout, result.stderr.decode(errors="replace")


class Workdir:
    """A temporary directory removed with everything in it."""

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)
