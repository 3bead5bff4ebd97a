"""Real WireGuard networks and a running exporter, for end-to-end tests.

Builds network namespaces joined by veth pairs, starts wireguard-go
interfaces inside them (each as a child process, so it can be stopped by its
PID), configures them with wg(8) and waits for real handshakes. Everything a
Network or Exporter creates is removed again by close(), which also runs from
atexit and on SIGTERM, so a failing test leaves nothing behind. Leftovers of
an earlier run that was killed outright (SIGKILL) are swept at the start of the
next one.

Names: every namespace, link and interface is called PREFIX + a five-character
base-36 form of the test process's PID + a short tag, so concurrent runs never
collide, and a leftover can be traced to a dead PID. PREFIX defaults to "wge"
and can be changed with the environment variable WGX_E2E_PREFIX (at most 3
characters, so interface names stay within Linux's 15).

Only the Python 3 standard library is used.
"""

import atexit
import base64
import contextlib
import dataclasses
import fnmatch
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import procs  # noqa: E402

PREFIX = os.environ.get("WGX_E2E_PREFIX", "wge")
if not re.fullmatch(r"[a-z]{1,3}", PREFIX):
    raise ValueError("WGX_E2E_PREFIX must be 1-3 lowercase letters")

SOCKET_DIR = "/var/run/wireguard"
IFNAMSIZ_MAX = 15
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_WG_ENV = dict(os.environ, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KERNELSPACE="1")


class WgNetError(RuntimeError):
    """Setting up the test network failed (not a finding about the exporter)."""


# --------------------------------------------------------------------------
# Small helpers


def _pid_tag(pid):
    """Five base-36 characters; pid_max (2^22) fits in 36^5."""
    out = ""
    for _ in range(5):
        pid, digit = divmod(pid, 36)
        out = _B36[digit] + out
    return out


def _pid_from_tag(tag):
    value = 0
    for ch in tag:
        value = value * 36 + _B36.index(ch)
    return value


def run_prefix():
    """The name prefix of everything this process creates, e.g. 'wge01x3k'."""
    return PREFIX + _pid_tag(os.getpid())


def run(cmd, check=True, input=None, timeout=30):
    """Runs a command; on failure raises WgNetError with its output."""
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True,
                          timeout=timeout, env=_WG_ENV)
    if check and proc.returncode != 0:
        raise WgNetError(f"{' '.join(cmd)} exited {proc.returncode}: "
                         f"{proc.stderr.strip() or proc.stdout.strip()}")
    return proc


_PR_SET_PDEATHSIG = 1


def _child_setup():
    """Returns a preexec_fn that has the kernel stop the child when this
    process dies, even by SIGKILL (a test timeout), so no wireguard-go or
    exporter outlives its test. The kernel ties this to the thread that forks,
    so it is only used from the main thread, which lives as long as the
    process; children of other threads rely on close() and sweep_stale()."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def setup():
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    return setup


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def raise_inotify_limit(minimum):
    """wireguard-go takes an inotify instance per interface; the common default
    of 128 per user runs out when dozens of interfaces run at once. Only ever
    raised, never lowered, since other processes on the machine share it."""
    path = "/proc/sys/fs/inotify/max_user_instances"
    try:
        with open(path) as f:
            current = int(f.read().strip())
        if current < minimum:
            with open(path, "w") as f:
                f.write(str(minimum))
    except OSError as err:
        raise WgNetError(f"cannot raise {path} to {minimum}: {err}") from err


# --------------------------------------------------------------------------
# Keys


def genkey():
    return run(["wg", "genkey"]).stdout.strip()


def pubkey(private_key):
    return run(["wg", "pubkey"], input=private_key + "\n").stdout.strip()


def genpsk():
    return run(["wg", "genpsk"]).stdout.strip()


def random_key():
    """Any 32 bytes are a valid WireGuard public key."""
    return base64.b64encode(os.urandom(32)).decode()


def key_hex(key_b64):
    """The hex form the UAPI protocol uses for the same key."""
    return base64.b64decode(key_b64).hex()


@dataclasses.dataclass(frozen=True)
class Keypair:
    private: str
    public: str

    @staticmethod
    def generate():
        private = genkey()
        return Keypair(private, pubkey(private))


# --------------------------------------------------------------------------
# Cleanup of everything this process created


_registry_lock = threading.Lock()
_registry = []  # objects with close(), closed in reverse order


def _register(obj):
    with _registry_lock:
        _registry.append(obj)


def _unregister(obj):
    with _registry_lock:
        if obj in _registry:
            _registry.remove(obj)


def close_all():
    """Closes every live Network and Exporter (atexit and SIGTERM use this)."""
    while True:
        with _registry_lock:
            if not _registry:
                return
            obj = _registry.pop()
        try:
            obj.close()
        except Exception as err:  # keep cleaning the rest
            print(f"wgnet: cleanup of {obj!r} failed: {err}", file=sys.stderr)


atexit.register(close_all)


def _on_sigterm(signum, frame):
    # SystemExit unwinds through every finally/with block, then atexit runs.
    raise SystemExit(128 + signum)


if threading.current_thread() is threading.main_thread():
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)


def sweep_stale():
    """Removes namespaces, wireguard-go processes and sockets left by earlier
    runs of these tests whose process no longer exists (killed with SIGKILL,
    e.g. by a test timeout). Only names of our own prefix whose embedded PID is
    dead are touched."""
    pattern = re.compile(re.escape(PREFIX) + r"([0-9a-z]{5})")
    mine = os.getpid()

    def stale(name):
        m = pattern.match(name)
        if not m:
            return False
        pid = _pid_from_tag(m.group(1))
        return pid != mine and not _pid_alive(pid)

    listing = run(["ip", "netns", "list"], check=False).stdout
    for line in listing.splitlines():
        ns = line.split()[0] if line.split() else ""
        if not stale(ns):
            continue
        pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
        for pid in pids:
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        run(["ip", "netns", "del", ns], check=False)
    with contextlib.suppress(FileNotFoundError):
        for entry in os.listdir(SOCKET_DIR):
            if entry.endswith(".sock") and stale(entry):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(SOCKET_DIR, entry))
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        if stale(entry) and os.path.isdir(os.path.join(tmp, entry)):
            shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)


# --------------------------------------------------------------------------
# Network namespaces, veth pairs and wireguard-go interfaces


class Namespace:
    def __init__(self, net, name):
        self.net = net
        self.name = name

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name, *args], check=check)

    def exec(self, *cmd, check=True, input=None, timeout=30):
        return run(["ip", "netns", "exec", self.name, *cmd], check=check,
                   input=input, timeout=timeout)

    def send_udp(self, dst_ip, port=9, count=20, size=1000):
        """Sends UDP datagrams from inside the namespace (e.g. through a
        tunnel). A discard port is fine: WireGuard counts the bytes either way."""
        code = ("import socket,sys\n"
                "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                f"p=b'x'*{int(size)}\n"
                f"for _ in range({int(count)}): s.sendto(p,({dst_ip!r},{int(port)}))\n")
        self.exec(sys.executable, "-c", code)

    def __repr__(self):
        return f"Namespace({self.name})"


class WgInterface:
    """One wireguard-go process serving one interface inside a namespace."""

    def __init__(self, net, ns, name):
        self.net = net
        self.ns = ns
        self.name = name
        self.keypair = None
        self.listen_port = None
        self.log_path = os.path.join(net.workdir, f"{name}.wireguard-go.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns.name, "wireguard-go", "-f", name],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=_WG_ENV, preexec_fn=_child_setup())
        # `ip netns exec` execs the command, so this is wireguard-go's own PID.
        self.pid = self.proc.pid
        try:
            wait_until(lambda: os.path.exists(self.socket_path) or self.proc.poll() is not None,
                       timeout=15, what=f"{self.socket_path}")
        except TimeoutError:
            self.stop()
            raise WgNetError(f"wireguard-go {name} did not create its socket: {self.log()}")
        if self.proc.poll() is not None:
            raise WgNetError(f"wireguard-go {name} exited {self.proc.returncode}: {self.log()}")

    @property
    def socket_path(self):
        return os.path.join(SOCKET_DIR, self.name + ".sock")

    @property
    def public_key(self):
        return self.keypair.public

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-2000:]

    def alive(self):
        return self.proc.poll() is None

    # --- configuration

    def set_identity(self, keypair, listen_port):
        self.keypair = keypair
        self.listen_port = listen_port
        path = self.net.write_secret(f"{self.name}.key", keypair.private)
        self.wg("set", self.name, "listen-port", str(listen_port), "private-key", path)

    def add_peer(self, public_key, allowed_ips=(), endpoint=None, keepalive=None,
                 preshared_key=None):
        args = ["set", self.name, "peer", public_key]
        if preshared_key:
            args += ["preshared-key", self.net.write_secret(f"{self.name}.psk", preshared_key)]
        if allowed_ips:
            args += ["allowed-ips", ",".join(allowed_ips)]
        if endpoint:
            args += ["endpoint", endpoint]
        if keepalive is not None:
            args += ["persistent-keepalive", str(keepalive)]
        self.wg(*args)

    def setconf(self, text):
        """Replaces the whole configuration (wg setconf), e.g. for many fake peers."""
        path = self.net.write_secret(f"{self.name}.conf", text)
        self.wg("setconf", self.name, path)

    def wg(self, *args):
        return run(["wg", *args])

    def up(self):
        self.ns.ip("link", "set", self.name, "up")

    def add_address(self, cidr):
        self.ns.ip("addr", "add", cidr, "dev", self.name)

    # --- state

    def latest_handshakes(self):
        """{peer public key: unix time of the latest handshake, 0 if none}."""
        out = run(["wg", "show", self.name, "latest-handshakes"]).stdout
        result = {}
        for line in out.splitlines():
            key, _, value = line.partition("\t")
            result[key] = int(value)
        return result

    def transfer(self):
        """{peer public key: (received bytes, sent bytes)}."""
        out = run(["wg", "show", self.name, "transfer"]).stdout
        result = {}
        for line in out.splitlines():
            key, rx, tx = line.split("\t")
            result[key] = (int(rx), int(tx))
        return result

    def wait_handshake(self, peer_public_key, timeout=20):
        return wait_until(lambda: self.latest_handshakes().get(peer_public_key, 0),
                          timeout=timeout, interval=0.1,
                          what=f"handshake of {self.name} with {peer_public_key}")

    # --- ending

    def delete(self, timeout=10):
        """Deletes the link; wireguard-go notices, removes its socket and exits."""
        self.ns.ip("link", "del", self.name)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise WgNetError(f"wireguard-go {self.name} still running after link delete")
        wait_until(lambda: not os.path.exists(self.socket_path), timeout=timeout,
                   what=f"removal of {self.socket_path}")

    def kill(self):
        """SIGKILL: the process dies without removing its socket file."""
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        procs.stop(self.proc, timeout=3)
        self._log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)

    def __repr__(self):
        return f"WgInterface({self.name} in {self.ns.name}, pid {self.pid})"


class Network:
    """Owns namespaces, veth pairs and wireguard-go interfaces; close() (or
    leaving the `with` block) removes all of them."""

    def __init__(self, tag=""):
        if len(run_prefix()) + len(tag) > 9:
            raise ValueError("tag too long for interface names")
        if os.geteuid() != 0:
            raise WgNetError("root is needed for network namespaces")
        for tool in ("ip", "wg", "wireguard-go"):
            if shutil.which(tool) is None:
                raise WgNetError(f"{tool} not found")
        sweep_stale()
        self.base = run_prefix() + tag
        self.workdir = tempfile.mkdtemp(prefix=f"{self.base}-")
        os.chmod(self.workdir, 0o700)
        self.namespaces = []
        self.interfaces = []
        self._names = set()
        self._closed = False
        _register(self)

    def _unique(self, suffix):
        name = self.base + suffix
        if len(name) > IFNAMSIZ_MAX:
            raise ValueError(f"name {name} longer than {IFNAMSIZ_MAX}")
        if name in self._names:
            raise ValueError(f"name {name} already used")
        self._names.add(name)
        return name

    def write_secret(self, filename, text):
        path = os.path.join(self.workdir, filename)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text if text.endswith("\n") else text + "\n")
        return path

    def namespace(self, suffix):
        ns = Namespace(self, self._unique(suffix))
        run(["ip", "netns", "add", ns.name])
        self.namespaces.append(ns)
        ns.ip("link", "set", "lo", "up")
        return ns

    def veth(self, ns_a, ns_b, cidr_a, cidr_b, suffix="v"):
        """Joins two namespaces; the ends are created inside them directly, so
        nothing appears in the host namespace even for a moment."""
        a = self._unique(suffix + "a")
        b = self._unique(suffix + "b")
        run(["ip", "link", "add", a, "netns", ns_a.name, "type", "veth",
             "peer", "name", b, "netns", ns_b.name])
        ns_a.ip("addr", "add", cidr_a, "dev", a)
        ns_b.ip("addr", "add", cidr_b, "dev", b)
        ns_a.ip("link", "set", a, "up")
        ns_b.ip("link", "set", b, "up")
        return a, b

    def wg_interface(self, ns, suffix):
        iface = WgInterface(self, ns, self._unique(suffix))
        self.interfaces.append(iface)
        return iface

    def connect(self, local, remote, local_tunnel_ip, remote_tunnel_ip,
                remote_endpoint_ip, keepalive=1, preshared_key=None):
        """Makes `local` and `remote` peers of each other; `local` initiates
        (persistent keepalive), so the remote needs no endpoint. Both must have
        an identity and be up. Returns once both sides saw the handshake."""
        remote.add_peer(local.public_key, allowed_ips=[local_tunnel_ip + "/32"],
                        preshared_key=preshared_key)
        # Setting the keepalive last sends a keepalive at once, which starts the
        # handshake now rather than after the first retry.
        local.add_peer(remote.public_key, allowed_ips=[remote_tunnel_ip + "/32"],
                       endpoint=f"{remote_endpoint_ip}:{remote.listen_port}",
                       preshared_key=preshared_key)
        local.add_peer(remote.public_key, keepalive=keepalive)
        local.wait_handshake(remote.public_key)
        remote.wait_handshake(local.public_key)

    def close(self):
        if self._closed:
            return
        self._closed = True
        _unregister(self)
        for iface in reversed(self.interfaces):
            with contextlib.suppress(Exception):
                iface.stop()
        for ns in reversed(self.namespaces):
            run(["ip", "netns", "del", ns.name], check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Network({self.base})"


# --------------------------------------------------------------------------
# Prometheus text exposition parser

_METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_FLOAT = r"[+-]?(?:Inf|NaN|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
_SAMPLE_HEAD = re.compile(rf"({_METRIC_NAME})(\{{)?")
_VALUE_TAIL = re.compile(rf" ({_FLOAT})(?: (-?[0-9]+))?")
_LABEL_START = re.compile(rf"({_LABEL_NAME})=\"")
_COMMENT = re.compile(rf"# (HELP|TYPE) ({_METRIC_NAME})(?: (.*))?")
_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ExpositionError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Sample:
    name: str
    labels: dict
    value: float


def _unescape(text, allow_quote):
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1:i + 2]
            if nxt == "\\":
                out.append("\\")
            elif nxt == "n":
                out.append("\n")
            elif nxt == '"' and allow_quote:
                out.append('"')
            else:
                raise ExpositionError(f"bad escape \\{nxt}")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _parse_labels(line, pos, lineno):
    labels = {}
    while True:
        if line.startswith("}", pos):
            return labels, pos + 1
        m = _LABEL_START.match(line, pos)
        if not m:
            raise ExpositionError(f"line {lineno}: bad label at column {pos + 1}: {line!r}")
        name = m.group(1)
        pos = m.end()
        raw = []
        while True:
            if pos >= len(line):
                raise ExpositionError(f"line {lineno}: unterminated label value")
            ch = line[pos]
            if ch == "\\":
                raw.append(line[pos:pos + 2])
                pos += 2
            elif ch == '"':
                pos += 1
                break
            else:
                raw.append(ch)
                pos += 1
        if name in labels:
            raise ExpositionError(f"line {lineno}: duplicate label {name}")
        labels[name] = _unescape("".join(raw), allow_quote=True)
        if line.startswith(",", pos):
            pos += 1
        elif not line.startswith("}", pos):
            raise ExpositionError(f"line {lineno}: expected , or }} at column {pos + 1}")


def parse_exposition(text):
    """Parses the Prometheus text format 0.0.4 strictly.

    Returns (samples, help, types): a list of Sample, and dicts from family
    name to HELP text and TYPE. Raises ExpositionError on anything malformed,
    so a test that parses a scrape also checks its syntax."""
    samples, helps, types = [], {}, {}
    if text and not text.endswith("\n"):
        raise ExpositionError("exposition does not end with a newline")
    for lineno, line in enumerate(text.split("\n")[:-1] if text else [], start=1):
        if line == "":
            continue
        if line.startswith("#"):
            m = _COMMENT.fullmatch(line)
            if not m:
                continue  # an ordinary comment
            kind, name, rest = m.group(1), m.group(2), m.group(3) or ""
            if kind == "HELP":
                if name in helps:
                    raise ExpositionError(f"line {lineno}: second HELP for {name}")
                helps[name] = _unescape(rest, allow_quote=False)
            else:
                if name in types:
                    raise ExpositionError(f"line {lineno}: second TYPE for {name}")
                if rest not in _TYPES:
                    raise ExpositionError(f"line {lineno}: unknown type {rest!r}")
                types[name] = rest
            continue
        m = _SAMPLE_HEAD.match(line)
        if not m:
            raise ExpositionError(f"line {lineno}: bad sample {line!r}")
        name, pos = m.group(1), m.end()
        labels = {}
        if m.group(2):
            labels, pos = _parse_labels(line, pos, lineno)
        v = _VALUE_TAIL.fullmatch(line, pos)
        if not v:
            raise ExpositionError(f"line {lineno}: bad value in {line!r}")
        samples.append(Sample(name, labels, float(v.group(1))))
    return samples, helps, types


class Scrape:
    """One parsed /metrics answer."""

    def __init__(self, text, duration_seconds=0.0, status=200, headers=None):
        self.text = text
        self.status = status
        self.headers = headers or {}
        self.duration_seconds = duration_seconds
        self.size_bytes = len(text.encode())
        self.samples, self.help, self.types = parse_exposition(text)

    def find(self, name, **labels):
        """Samples of `name` whose labels include all of `labels`."""
        return [s for s in self.samples
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]

    def value(self, name, **labels):
        """The value of the one sample matching; AssertionError if not exactly one."""
        found = self.find(name, **labels)
        if len(found) != 1:
            raise AssertionError(f"expected one {name}{labels}, found {len(found)}:\n"
                                 + "\n".join(str(s) for s in found))
        return found[0].value

    def interfaces(self, name="wireguard_interface_up"):
        """{interface: value} of an interface family."""
        return {s.labels["interface"]: s.value for s in self.find(name)}

    def label_values(self, label, name=None):
        return {s.labels[label] for s in self.samples
                if label in s.labels and (name is None or s.name == name)}


# --------------------------------------------------------------------------
# The exporter under test


def exporter_binary():
    path = os.environ.get("WGX_EXPORTER")
    if not path:
        raise WgNetError("WGX_EXPORTER (path of the wireguard_exporter binary) is not set")
    if not os.access(path, os.X_OK):
        raise WgNetError(f"{path} is not an executable")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exclude_all_but(prefix):
    """fnmatch patterns that exclude every interface name not starting with
    `prefix`, so a discovering exporter sees only this run's interfaces even
    while other WireGuard interfaces exist on the machine."""
    patterns = []
    for i, ch in enumerate(prefix):
        head = prefix[:i]
        patterns.append(f"{_glob_escape(head)}[!{ch}]*")
        if head:
            patterns.append(_glob_escape(head))  # a name that is only a strict prefix
    return patterns


def _glob_escape(text):
    return "".join(f"[{c}]" if c in "*?[]\\" else c for c in text)


def yaml_dump(value, indent=0):
    """Block YAML for dicts/lists of str/int/float/bool; strings quoted in the
    JSON style, which YAML reads identically."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{yaml_dump(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {yaml_dump(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            if isinstance(item, dict) and item:
                body = yaml_dump(item, indent + 2)
                lines.append(f"{pad}- {body[indent + 2:]}")
            else:
                lines.append(f"{pad}- {yaml_dump(item)}")
        return "\n".join(lines)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def write_file_atomically(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Exporter:
    """A running wireguard_exporter on 127.0.0.1 and a free port."""

    def __init__(self, workdir, config_file=None, lifecycle=True, socket_dir=None,
                 extra_args=(), log_level="debug", binary=None):
        self.binary = binary or exporter_binary()
        self.workdir = workdir
        self.config_file = config_file
        self.args = []
        if config_file:
            self.args.append(f"--config.file={config_file}")
        if lifecycle:
            self.args.append("--web.enable-lifecycle")
        if socket_dir:
            self.args.append(f"--wireguard.socket-dir={socket_dir}")
        if log_level:
            self.args.append(f"--log.level={log_level}")
        self.args += list(extra_args)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, f"exporter-{id(self):x}.log")
        self.bodies = []  # every body received, for secret checks
        self.keep_bodies = True  # switch off for long runs
        self._bodies_lock = threading.Lock()
        self._log = None

    def start(self, timeout=15):
        for _ in range(5):  # the free port may be taken between probe and bind
            self.port = free_port()
            self._log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, f"--web.listen-address=127.0.0.1:{self.port}", *self.args],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                preexec_fn=_child_setup())
            _register(self)
            try:
                wait_until(lambda: self.proc.poll() is not None or self._healthy(),
                           timeout=timeout, interval=0.05, what="exporter /-/healthy")
            except TimeoutError:
                self.close()
                raise
            if self.proc.poll() is None:
                return self
            self._log.close()
            _unregister(self)
            if "address already in use" not in self.log().lower():
                break
        raise WgNetError(f"exporter exited {self.proc.returncode} at start: {self.log()}")

    def _healthy(self):
        try:
            return self.get("/-/healthy", timeout=1)[0] == 200
        except OSError:
            return False

    @property
    def pid(self):
        return self.proc.pid

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, method="GET", data=None, timeout=10, headers=None):
        """(status, headers, body text); HTTP errors are answers, not exceptions."""
        req = urllib.request.Request(self.url(path), method=method, data=data,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, hdrs, raw = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, hdrs, raw = err.code, dict(err.headers), err.read()
        body = raw.decode(errors="replace")
        if self.keep_bodies:
            with self._bodies_lock:
                self.bodies.append(body)
        return status, hdrs, body

    def scrape(self, path="/metrics", timeout=10):
        start = time.monotonic()
        status, hdrs, body = self.get(path, timeout=timeout)
        duration = time.monotonic() - start
        if status != 200:
            raise AssertionError(f"scrape answered {status}: {body[:500]}")
        return Scrape(body, duration, status, hdrs)

    def reload(self):
        return self.get("/-/reload", method="POST", data=b"")[0]

    def signal(self, signum):
        self.proc.send_signal(signum)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout=10):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        code = procs.stop(self.proc, timeout)
        if self._log:
            self._log.close()
        _unregister(self)
        return code

    def close(self):
        self.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Exporter(port {self.port}, pid {self.proc.pid if self.proc else None})"


def run_exporter_once(args, timeout=20, binary=None):
    """Runs the exporter binary to completion (e.g. --config.check)."""
    proc = subprocess.run([binary or exporter_binary(), *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc


def is_inf(value):
    return math.isinf(value) and value > 0


def glob_matches(patterns, name):
    """Python's view of the fnmatch patterns, to sanity-check exclude lists."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)
