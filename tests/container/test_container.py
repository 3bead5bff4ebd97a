"""The container image, built and run for real with Debian's podman.

The images are built by scripts/build-image.sh (base images made with
mmdebstrap, no registry, no pulls) before this suite runs; their names come
from the environment (WGX_IMAGE, WGX_WIREGUARD_IMAGE). Each test removes its
containers, volumes, namespaces and wireguard-go processes, also on failure.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import wgnet  # noqa: E402

IMAGE = os.environ.get("WGX_IMAGE", "localhost/wireguard_exporter:test")
WIREGUARD_IMAGE = os.environ.get("WGX_WIREGUARD_IMAGE", "localhost/wgx-test-wireguard-go:latest")
HOST_BINARY = os.environ.get("WGX_EXPORTER")
SIZE_GOAL_BYTES = 40 * 1000 * 1000


def _hard_limit(resource_name, cap=32768):
    import resource
    _, hard = resource.getrlimit(getattr(resource, resource_name))
    return cap if hard == resource.RLIM_INFINITY else min(hard, cap)


# The settings podman needs on these hosts (see scripts/podman-env.sh).
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
ULIMITS = ["--ulimit", f"nofile={_hard_limit('RLIMIT_NOFILE')}",
           "--ulimit", f"nproc={_hard_limit('RLIMIT_NPROC')}"]
# What a non-root exporter needs to read WireGuard: netlink (kernel) and the
# root-only UAPI sockets (userspace).
EXPORTER_CAPS = ["--cap-drop", "all", "--cap-add", "NET_ADMIN", "--cap-add", "DAC_OVERRIDE"]


def podman(*args, check=True, timeout=120):
    proc = subprocess.run(PODMAN + list(args), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def remove_container(name):
    """Removes a container, also when podman's first `rm -f` only stops it
    (seen when it races the container's own exit)."""
    for _ in range(3):
        podman("rm", "-f", "-t", "2", name, check=False)
        if podman("container", "exists", name, check=False).returncode != 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"container {name} could not be removed")


class ContainerCase(unittest.TestCase):
    def setUp(self):
        self.tag = f"wgxct{os.getpid()}-{self.id().rsplit('.', 1)[-1][:20]}"

    def container(self, suffix, *args):
        """Starts a detached container named after the test; removed at cleanup."""
        name = f"{self.tag}-{suffix}".lower().replace("_", "-")
        self.addCleanup(remove_container, name)
        podman("run", "-d", "--name", name, *ULIMITS, *args)
        return name

    def volume(self, suffix):
        name = f"{self.tag}-{suffix}".lower().replace("_", "-")
        podman("volume", "create", name)
        self.addCleanup(podman, "volume", "rm", "-f", name, check=False)
        return name

    def logs(self, name):
        proc = podman("logs", name, check=False)
        return proc.stdout + proc.stderr

    def container_pid(self, name):
        return int(podman("inspect", "--format", "{{.State.Pid}}", name).stdout.strip())

    def wait_running(self, name, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
            if state == "running":
                return
            if state in ("exited", "stopped", "dead"):
                self.fail(f"container {name} {state}: {self.logs(name)}")
            time.sleep(0.1)
        self.fail(f"container {name} not running after {timeout} s")


def scrape_in(ns, port, path="/metrics", timeout=30, parse=True):
    """Scrapes an exporter listening inside namespace `ns` (None: the host's);
    the parsed answer, or its text when not `parse`."""
    url = f"http://127.0.0.1:{port}{path}"
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        cmd = ["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", url]
        if ns is not None:
            cmd = ["ip", "netns", "exec", ns.name] + cmd
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        body, _, code = proc.stdout.rpartition("\n")
        if proc.returncode == 0 and code == "200":
            return wgnet.Scrape(body) if parse else body
        last = f"curl exit {proc.returncode}, HTTP {code}: {proc.stderr.strip()}"
        time.sleep(0.2)
    raise AssertionError(f"no scrape of {url}: {last}")


def peer_view(scrape, interfaces):
    """What must agree between two exporters reading the same interfaces:
    per interface its public key, listen port and peers; per peer its
    handshake timestamp, endpoint and allowed IPs."""
    view = {}
    for s in scrape.find("wireguard_interface_info"):
        if s.labels["interface"] in interfaces:
            view[("info", s.labels["interface"])] = (
                s.labels["public_key"], s.labels["listen_port"], s.labels["implementation"])
    for s in scrape.find("wireguard_peer_last_handshake_timestamp_seconds"):
        if s.labels["interface"] in interfaces:
            view[("handshake", s.labels["interface"], s.labels["public_key"])] = s.value
    for s in scrape.find("wireguard_peer_info"):
        if s.labels["interface"] in interfaces:
            view[("peer", s.labels["interface"], s.labels["public_key"])] = (
                s.labels["endpoint"], s.labels["allowed_ips"])
    return view


class ImageTest(ContainerCase):
    def test_image_is_small_labelled_and_says_its_version(self):
        inspect = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
        size = inspect["Size"]
        print(f"image {IMAGE}: {size} bytes uncompressed ({size / 1e6:.1f} MB)")
        self.assertLess(size, SIZE_GOAL_BYTES)
        labels = inspect["Labels"]
        for key in ("version", "revision", "source", "licenses", "title"):
            self.assertIn(f"org.opencontainers.image.{key}", labels)
        self.assertEqual(labels["org.opencontainers.image.licenses"], "MIT")
        said = podman("run", "--rm", "--no-healthcheck", *ULIMITS, IMAGE, "--version").stdout.strip()
        self.assertEqual(said, "wireguard_exporter, version {} (revision: {})".format(
            labels["org.opencontainers.image.version"],
            labels["org.opencontainers.image.revision"]))
        if HOST_BINARY:
            host_said = subprocess.run([HOST_BINARY, "--version"], capture_output=True,
                                       text=True, check=True).stdout.strip()
            self.assertEqual(said.split(" (")[0], host_said.split(" (")[0])
        config = inspect["Config"]
        self.assertEqual(config["User"], "65532:65532")
        self.assertEqual(config["Entrypoint"], ["/usr/bin/wireguard_exporter"])
        self.assertIn("9586/tcp", config["ExposedPorts"])
        health = inspect["Healthcheck"]
        self.assertEqual(health["Test"], ["CMD", "/usr/bin/wireguard_exporter", "--healthcheck"])

    def test_image_holds_only_the_exporter_and_its_libraries(self):
        name = self.tag.lower() + "-files"
        podman("create", "--name", name, IMAGE)
        self.addCleanup(podman, "rm", "-f", name, check=False)
        with tempfile.TemporaryDirectory() as tmp:
            tar = os.path.join(tmp, "rootfs.tar")
            podman("export", "-o", tar, name)
            listing = subprocess.run(["tar", "-tf", tar], capture_output=True, text=True,
                                     check=True).stdout.split()
        executables = [p for p in listing if p.startswith(("usr/bin/", "usr/sbin/"))
                       and not p.endswith("/")]
        self.assertEqual(executables, ["usr/bin/wireguard_exporter"])
        self.assertNotIn("bin/sh", listing)
        self.assertIn("usr/share/doc/wireguard-exporter/LICENSE", listing)
        self.assertTrue(any(p.endswith("libcivetweb.so.1") for p in listing), listing)


class RunTest(ContainerCase):
    def test_runs_as_non_root_with_only_the_granted_capabilities(self):
        port = wgnet.free_port()
        name = self.container("exp", "--network", "host", *EXPORTER_CAPS, IMAGE,
                              f"--web.listen-address=127.0.0.1:{port}")
        self.wait_running(name)
        scrape_in(None, port)
        with open(f"/proc/{self.container_pid(name)}/status") as f:
            status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        uids = status["Uid"].split()
        self.assertEqual(uids, ["65532"] * 4)
        self.assertEqual(status["Gid"].split(), ["65532"] * 4)
        effective = int(status["CapEff"].strip(), 16)
        net_admin, dac_override = 1 << 12, 1 << 1
        self.assertEqual(effective, net_admin | dac_override, hex(effective))

    def test_health_check_follows_the_server(self):
        # The image's own HEALTHCHECK, against the default :9586 in a network
        # namespace of the container's own.
        name = self.container("exp", "--network", "none", *EXPORTER_CAPS, IMAGE)
        self.wait_running(name)
        deadline = time.monotonic() + 20
        while True:
            healthy = podman("healthcheck", "run", name, check=False)
            if healthy.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(healthy.returncode, 0, healthy.stdout + healthy.stderr)
        self.assertEqual(podman("inspect", "--format", "{{.State.Health.Status}}", name)
                         .stdout.strip(), "healthy")
        # The same probe against a port nobody listens on reports unhealthy.
        other = wgnet.free_port()
        probe = podman("run", "--rm", "--no-healthcheck", "--network", "host", *ULIMITS, IMAGE,
                       "--healthcheck", f"--web.listen-address=127.0.0.1:{other}", check=False)
        self.assertEqual(probe.returncode, 1)
        self.assertIn("unhealthy: connect to 127.0.0.1:", probe.stderr)

    def test_bad_config_gives_the_one_line_error_and_exit_code(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            bad = os.path.join(tmp, "config.yml")
            with open(bad, "w") as f:
                f.write("interfaces:\n  - name: wg0\n    online_threshold: soon\n")
            os.chmod(bad, 0o644)
            mount = ["-v", f"{tmp}:/etc/wireguard_exporter:ro"]
            run = podman("run", "--rm", "--no-healthcheck", *ULIMITS, *mount, IMAGE,
                         "--config.file=/etc/wireguard_exporter/config.yml", check=False)
            check = podman("run", "--rm", "--no-healthcheck", *ULIMITS, *mount, IMAGE,
                           "--config.file=/etc/wireguard_exporter/config.yml", "--config.check",
                           check=False)
            host = None
            if HOST_BINARY:
                host = subprocess.run([HOST_BINARY, f"--config.file={bad}", "--config.check"],
                                      capture_output=True, text=True)
        self.assertEqual(run.returncode, 1, run.stderr)
        lines = run.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, run.stderr)
        self.assertIn("/etc/wireguard_exporter/config.yml:3:", lines[0])
        self.assertIn("online_threshold", lines[0])
        self.assertEqual(check.returncode, 1)
        self.assertEqual(len(check.stderr.strip().splitlines()), 1, check.stderr)
        if host is not None:
            self.assertEqual(host.returncode, 1)
            self.assertEqual(check.stderr.replace("/etc/wireguard_exporter/config.yml", "F"),
                             host.stderr.replace(bad, "F"))
        # A bad flag: exit code 2, as on the host.
        flag = podman("run", "--rm", "--no-healthcheck", *ULIMITS, IMAGE, "--no-such-flag", check=False)
        self.assertEqual(flag.returncode, 2)
        self.assertIn("unknown flag --no-such-flag", flag.stderr)


class WireGuardTest(ContainerCase):
    def setUp(self):
        super().setUp()
        self.net = wgnet.Network("c")
        self.addCleanup(self.net.close)

    def test_host_network_shows_what_the_host_binary_shows(self):
        if not HOST_BINARY:
            self.skipTest("WGX_EXPORTER (the host binary) not given")
        a = self.net.namespace("a")
        b = self.net.namespace("b")
        self.net.veth(a, b, "10.231.0.1/24", "10.231.0.2/24")
        wa = self.net.wg_interface(a, "wa")
        wb = self.net.wg_interface(b, "wb")
        wa.set_identity(wgnet.Keypair.generate(), 51901)
        wb.set_identity(wgnet.Keypair.generate(), 51902)
        for w, cidr in ((wa, "10.232.0.1/24"), (wb, "10.232.0.2/24")):
            w.add_address(cidr)
            w.up()
        self.net.connect(wa, wb, "10.232.0.1", "10.232.0.2", "10.231.0.2")
        never = wgnet.Keypair.generate()
        wa.add_peer(never.public, allowed_ips=["10.232.0.9/32"])
        interfaces = {wa.name, wb.name}

        host = wgnet.Exporter(self.net.workdir, lifecycle=False)
        host.start()
        self.addCleanup(host.close)
        port = wgnet.free_port()
        name = self.container("exp", "--network", "host", *EXPORTER_CAPS,
                              "-v", f"{wgnet.SOCKET_DIR}:/var/run/wireguard:ro", IMAGE,
                              f"--web.listen-address=127.0.0.1:{port}")
        self.wait_running(name)
        from_container = scrape_in(None, port)
        from_host = host.scrape()
        self.assertEqual(peer_view(from_container, interfaces), peer_view(from_host, interfaces))
        self.assertEqual(from_container.value("wireguard_interface_peers", interface=wa.name), 2)
        self.assertEqual(from_container.value("wireguard_peer_online", interface=wa.name,
                                              public_key=wb.public_key), 1)
        self.assertEqual(from_container.value("wireguard_peer_online", interface=wa.name,
                                              public_key=never.public), 0)
        self.assertEqual(from_container.value("wireguard_interface_up", interface=wb.name), 1)

    def test_file_capabilities_serve_runtimes_without_ambient_capabilities(self):
        """Docker and containerd give a non-root user no ambient capabilities:
        the image's binary carries NET_ADMIN and DAC_OVERRIDE as permitted file
        capabilities and raises them itself. Run in place from the mounted
        image as 65532 with only a bounding set, as those runtimes leave it,
        it reads a root-only wireguard-go socket; with an empty bounding set it
        starts and holds nothing."""
        mount = podman("image", "mount", IMAGE).stdout.strip()
        self.addCleanup(podman, "image", "unmount", IMAGE, check=False)
        binary = os.path.join(mount, "usr/bin/wireguard_exporter")
        caps = os.getxattr(binary, "security.capability")
        permitted = int.from_bytes(caps[4:8], "little")
        effective_bit = int.from_bytes(caps[0:4], "little") & 1
        self.assertEqual(permitted, (1 << 12) | (1 << 1))  # NET_ADMIN, DAC_OVERRIDE
        self.assertEqual(effective_bit, 0)

        ns = self.net.namespace("f")
        wg = self.net.wg_interface(ns, "wf")
        wg.set_identity(wgnet.Keypair.generate(), 51941)
        wg.up()
        self.assertEqual(os.stat(wg.socket_path).st_mode & 0o777, 0o700)
        for bounding, expect_caps, expect_up in (
                ("-all,+net_admin,+dac_override", (1 << 12) | (1 << 1), 1), ("-all", 0, 0)):
            with self.subTest(bounding=bounding):
                port = wgnet.free_port()
                log = open(os.path.join(self.net.workdir, f"fcap-{port}.log"), "wb")
                proc = subprocess.Popen(
                    ["setpriv", "--reuid", "65532", "--regid", "65532", "--clear-groups",
                     "--inh-caps", "-all", "--ambient-caps", "-all", "--bounding-set", bounding,
                     binary, f"--web.listen-address=127.0.0.1:{port}"],
                    stdout=log, stderr=log)
                try:
                    scrape = scrape_in(None, port)
                    with open(f"/proc/{proc.pid}/status") as f:
                        status = dict(line.split(":", 1) for line in f.read().splitlines())
                    self.assertEqual(int(status["CapEff"].strip(), 16), expect_caps)
                    self.assertEqual(status["Uid"].split()[0], "65532")
                    self.assertEqual(scrape.value("wireguard_interface_up", interface=wg.name),
                                     expect_up)
                finally:
                    proc.terminate()
                    proc.wait(timeout=10)
                    log.close()

    def test_sidecar_in_the_wireguard_containers_namespace(self):
        """The compose shape: the exporter joins the WireGuard container's
        network namespace and shares its socket volume; that container
        shakes hands with a second one over a veth pair."""
        a = self.net.namespace("a")
        b = self.net.namespace("b")
        self.net.veth(a, b, "10.233.0.1/24", "10.233.0.2/24")
        ka, kb = wgnet.Keypair.generate(), wgnet.Keypair.generate()
        sockets_a = self.volume("sock-a")
        sockets_b = self.volume("sock-b")
        wg_args = ["--cap-add", "NET_ADMIN", "--device", "/dev/net/tun"]
        wg_a = self.container(
            "wga", "--network", f"ns:/run/netns/{a.name}", *wg_args,
            "-v", f"{sockets_a}:/var/run/wireguard",
            "-e", f"WG_PRIVATE_KEY={ka.private}", "-e", "WG_LISTEN_PORT=51911",
            "-e", "WG_ADDRESS=10.234.0.1/24",
            "-e", f"WG_PEERS={kb.public},10.234.0.2/32,10.233.0.2:51912", WIREGUARD_IMAGE)
        wg_b = self.container(
            "wgb", "--network", f"ns:/run/netns/{b.name}", *wg_args,
            "-v", f"{sockets_b}:/var/run/wireguard",
            "-e", f"WG_PRIVATE_KEY={kb.private}", "-e", "WG_LISTEN_PORT=51912",
            "-e", "WG_ADDRESS=10.234.0.2/24", "-e", f"WG_PEERS={ka.public},10.234.0.1/32,",
            WIREGUARD_IMAGE)
        self.wait_running(wg_a)
        self.wait_running(wg_b)
        exporter = self.container(
            "exp", "--network", f"container:{wg_a}", *EXPORTER_CAPS,
            "-v", f"{sockets_a}:/var/run/wireguard:ro", IMAGE)
        self.wait_running(exporter)

        deadline = time.monotonic() + 30
        while True:
            scrape = scrape_in(a, 9586)
            online = scrape.find("wireguard_peer_online", interface="wg0",
                                 public_key=kb.public)
            if online and online[0].value == 1:
                break
            if time.monotonic() > deadline:
                self.fail(f"no handshake seen: {scrape.text[:2000]}\nwg a: {self.logs(wg_a)}"
                          f"\nwg b: {self.logs(wg_b)}\nexporter: {self.logs(exporter)}")
            time.sleep(0.5)
        self.assertEqual(scrape.value("wireguard_interface_up", interface="wg0"), 1)
        self.assertEqual(scrape.value("wireguard_interface_peers", interface="wg0"), 1)
        info = scrape.find("wireguard_interface_info", interface="wg0")[0]
        self.assertEqual(info.labels["public_key"], ka.public)
        self.assertEqual(info.labels["listen_port"], "51911")
        self.assertEqual(info.labels["implementation"], "userspace")
        age = scrape.value("wireguard_peer_last_handshake_age_seconds", interface="wg0",
                           public_key=kb.public)
        self.assertLess(age, 30)
        peer = scrape.find("wireguard_peer_info", interface="wg0", public_key=kb.public)[0]
        self.assertEqual(peer.labels["endpoint"], "10.233.0.2:51912")
        self.assertGreater(scrape.value("wireguard_peer_receive_bytes_total", interface="wg0",
                                        public_key=kb.public), 0)
        # Only the sidecar's own WireGuard: the second container's is not in its volume.
        self.assertEqual(set(scrape.interfaces()), {"wg0"})


if __name__ == "__main__":
    unittest.main()
