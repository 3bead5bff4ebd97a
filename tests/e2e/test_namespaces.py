"""End to end: WireGuard in other network namespaces and in containers.

A "container" here is what a container engine makes of wireguard-go: its own
network and mount namespaces, with a private tmpfs on /run/wireguard, so its
UAPI socket is not at the host's path and only reachable through the
process's root. Two such containers, both calling their interface by the same
name, complete a real handshake over a veth pair between them; a host
interface of that name runs beside them, and a named namespace (ip netns)
holds another. Needs root, wireguard-go, wg(8), unshare and nsenter.
"""

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402  (also puts tests/support on the path)
import procs  # noqa: E402


def netns_of(sample):
    return sample.labels.get("netns", "")


def in_netns(scrape, name, netns, **labels):
    return [s for s in scrape.find(name, **labels) if netns_of(s) == netns]


def one_value(scrape, name, netns, **labels):
    found = in_netns(scrape, name, netns, **labels)
    if len(found) != 1:
        raise AssertionError(f"expected one {name}{labels} in netns {netns!r}, found "
                             f"{len(found)}:\n" + "\n".join(map(str, found)))
    return found[0].value


def nsfs_descriptors(pid):
    """Open network namespace descriptors of a process."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("net:["):
                count += 1
    return count


def expected_process_name(pid):
    """What the exporter calls a namespace whose lowest PID is `pid`: the
    container ID or systemd unit its cgroup names, else pid-N (the rules of
    NameFromCgroup, tested on their own in the unit tests)."""
    with open(f"/proc/{pid}/cgroup") as f:
        paths = [line.rstrip("\n").split(":", 2)[2] for line in f if line.count(":") >= 2]
    for path in paths:
        if any(engine in path for engine in ("docker", "libpod", "containerd", "crio", "kubepods")):
            ids = re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", path)
            if ids:
                return ids[-1][:12]
    for path in paths:
        for component in reversed(path.split("/")):
            if component.endswith(".service") or (component.endswith(".scope")
                                                  and component != "init.scope"):
                return component
    return f"pid-{pid}"


class Container:
    """wireguard-go in network and mount namespaces of its own."""

    def __init__(self, net, ifname, tag):
        self.net = net
        self.ifname = ifname
        os.makedirs(wgnet.SOCKET_DIR, exist_ok=True)
        self.log_path = os.path.join(net.workdir, f"container-{tag}.log")
        self._log = open(self.log_path, "wb")
        script = (f"mount -t tmpfs -o mode=0755 wgxtest {wgnet.SOCKET_DIR} && "
                  f"exec wireguard-go -f {ifname}")
        self.proc = subprocess.Popen(
            ["unshare", "--net", "--mount", "--propagation", "private", "--fork",
             "--kill-child", "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=wgnet._WG_ENV, preexec_fn=wgnet._child_setup())
        # unshare itself holds both namespaces: the namespace's lowest PID.
        self.pid = self.proc.pid
        inside = f"/proc/{self.pid}/root/run/wireguard/{ifname}.sock"
        try:
            wgnet.wait_until(lambda: os.path.exists(inside) or self.proc.poll() is not None,
                             timeout=15, what=inside)
        except TimeoutError:
            self.stop()
            raise wgnet.WgNetError(f"container {tag} made no socket: {self.log()}")
        if self.proc.poll() is not None:
            raise wgnet.WgNetError(f"container {tag} exited: {self.log()}")

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-2000:]

    def sh(self, *cmd):
        return wgnet.run(["nsenter", "-t", str(self.pid), "-n", "-m", *cmd])

    def set_identity(self, keypair, port):
        self.keypair = keypair
        self.port = port
        key = self.net.write_secret(f"{self.ifname}-{self.pid}.key", keypair.private)
        self.sh("wg", "set", self.ifname, "listen-port", str(port), "private-key", key)

    def stop(self):
        procs.stop(self.proc, timeout=5)
        self._log.close()


class HostInterface:
    """wireguard-go in the exporter's own namespace (the host's)."""

    def __init__(self, net, ifname):
        self.ifname = ifname
        self.proc = subprocess.Popen(["wireguard-go", "-f", ifname], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=wgnet._WG_ENV, preexec_fn=wgnet._child_setup())
        self.socket = os.path.join(wgnet.SOCKET_DIR, ifname + ".sock")
        wgnet.wait_until(lambda: os.path.exists(self.socket) or self.proc.poll() is not None,
                         timeout=15, what=self.socket)

    def stop(self):
        procs.stop(self.proc, timeout=5)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)


class NamespacesEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("unshare", "nsenter"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest(f"{tool} not found")
        cls.net = wgnet.Network("s")
        cls.cleanup = []
        try:
            cls._build()
        except BaseException:
            cls._teardown()
            raise

    @classmethod
    def _teardown(cls):
        for item in reversed(cls.cleanup):
            with contextlib.suppress(Exception):
                item.stop()
        cls.net.close()

    @classmethod
    def tearDownClass(cls):
        cls._teardown()

    @classmethod
    def _build(cls):
        net = cls.net
        # One name for the interface of both containers and of the host.
        cls.shared_name = net._unique("w")
        cls.c1 = Container(net, cls.shared_name, "1")
        cls.cleanup.append(cls.c1)
        cls.c2 = Container(net, cls.shared_name, "2")
        cls.cleanup.append(cls.c2)
        cls.host = HostInterface(net, cls.shared_name)
        cls.cleanup.append(cls.host)

        veth1, veth2 = net._unique("v1"), net._unique("v2")
        wgnet.run(["ip", "link", "add", veth1, "netns", str(cls.c1.pid), "type", "veth",
                   "peer", "name", veth2, "netns", str(cls.c2.pid)])
        for c, veth, address, tunnel in ((cls.c1, veth1, "10.215.0.1/24", "10.216.0.1/24"),
                                         (cls.c2, veth2, "10.215.0.2/24", "10.216.0.2/24")):
            c.sh("ip", "addr", "add", address, "dev", veth)
            c.sh("ip", "link", "set", veth, "up")
            c.sh("ip", "link", "set", "lo", "up")
        cls.c1.set_identity(wgnet.Keypair.generate(), 51830)
        cls.c2.set_identity(wgnet.Keypair.generate(), 51831)
        for c, tunnel in ((cls.c1, "10.216.0.1/24"), (cls.c2, "10.216.0.2/24")):
            c.sh("ip", "addr", "add", tunnel, "dev", cls.shared_name)
            c.sh("ip", "link", "set", cls.shared_name, "up")
        cls.c2.sh("wg", "set", cls.shared_name, "peer", cls.c1.keypair.public,
                  "allowed-ips", "10.216.0.1/32")
        cls.c1.sh("wg", "set", cls.shared_name, "peer", cls.c2.keypair.public,
                  "allowed-ips", "10.216.0.2/32", "endpoint", "10.215.0.2:51831",
                  "persistent-keepalive", "1")

        def shook_hands(c, peer):
            out = c.sh("wg", "show", cls.shared_name, "latest-handshakes").stdout
            return any(line.startswith(peer) and not line.endswith("\t0")
                       for line in out.splitlines())
        wgnet.wait_until(lambda: shook_hands(cls.c1, cls.c2.keypair.public)
                         and shook_hands(cls.c2, cls.c1.keypair.public),
                         timeout=20, interval=0.1, what="handshake between the containers")

        # A named namespace with its own interface (socket in the host's directory).
        cls.named = net.namespace("n")
        cls.named_iface = net.wg_interface(cls.named, "n0")
        cls.named_iface.set_identity(wgnet.Keypair.generate(), 51832)
        cls.named_iface.up()

        cls.names = {cls.c1: expected_process_name(cls.c1.pid),
                     cls.c2: expected_process_name(cls.c2.pid)}

    def config(self, discover, interfaces=(), namespace_exclude=None):
        namespaces = {"discover": list(discover)}
        if namespace_exclude:
            namespaces["exclude"] = namespace_exclude
        body = {
            "exclude": wgnet.exclude_all_but(self.net.base),
            "namespaces": namespaces,
        }
        if interfaces:
            body["interfaces"] = list(interfaces)
        path = os.path.join(self.net.workdir, f"{self._testMethodName}.yml")
        wgnet.write_file_atomically(path, wgnet.yaml_dump(body) + "\n")
        return path

    def exporter(self, config_path, binary_args=(), **kw):
        exporter = wgnet.Exporter(self.net.workdir, config_file=config_path,
                                  extra_args=binary_args, **kw)
        self.addCleanup(exporter.stop)
        return exporter.start()

    def container_netns(self, scrape, container):
        """The netns label the exporter gives the container's namespace; when
        two containers' processes name the same unit, both get their inode."""
        name = self.names[container]
        if self.names[self.c1] == self.names[self.c2]:
            inode = os.stat(f"/proc/{container.pid}/ns/net").st_ino
            name = f"{name}-{inode}"
        return name

    # ------------------------------------------------------------------

    def test_without_a_namespaces_section_only_the_own_namespace_is_read(self):
        path = os.path.join(self.net.workdir, "plain.yml")
        wgnet.write_file_atomically(path, wgnet.yaml_dump(
            {"exclude": wgnet.exclude_all_but(self.net.base)}) + "\n")
        scrape = self.exporter(path).scrape()
        up = scrape.find("wireguard_interface_up")
        self.assertEqual({(netns_of(s), s.labels["interface"]) for s in up},
                         {("", self.shared_name), ("", self.named_iface.name)})
        self.assertEqual(one_value(scrape, "wireguard_netns_up", ""), 1)
        self.assertEqual(len(scrape.find("wireguard_netns_up")), 1)

    def test_containers_found_by_processes_beside_a_host_interface_of_the_same_name(self):
        exporter = self.exporter(self.config(["processes"]))
        scrape = exporter.scrape()
        n1 = self.container_netns(scrape, self.c1)
        n2 = self.container_netns(scrape, self.c2)
        self.assertNotEqual(n1, n2)
        for netns in ("", n1, n2):
            self.assertEqual(one_value(scrape, "wireguard_interface_up", netns,
                                       interface=self.shared_name), 1, netns)
            self.assertEqual(one_value(scrape, "wireguard_netns_up", netns), 1, netns)
        # The named namespace is held by its wireguard-go: found by processes
        # too, under its /run/netns name.
        self.assertEqual(one_value(scrape, "wireguard_interface_up", self.named.name,
                                   interface=self.named_iface.name), 1)
        self.assertEqual(one_value(scrape, "wireguard_netns_interfaces", n1), 1)
        self.assertEqual(one_value(scrape, "wireguard_netns_interfaces", n2), 1)
        self.assertEqual(one_value(scrape, "wireguard_netns_interfaces", ""), 1)
        # The real handshake between the containers, seen from both.
        for netns, peer in ((n1, self.c2.keypair.public), (n2, self.c1.keypair.public)):
            self.assertEqual(one_value(scrape, "wireguard_peer_online", netns,
                                       interface=self.shared_name, public_key=peer), 1)
            # WireGuard shakes hands again every two minutes while traffic flows.
            age = one_value(scrape, "wireguard_peer_last_handshake_age_seconds", netns,
                            interface=self.shared_name, public_key=peer)
            self.assertGreaterEqual(age, 0)
            self.assertLess(age, 180)
        # Each interface with its own key: three different devices.
        keys = {s.labels["public_key"] for s in scrape.find(
            "wireguard_interface_info", interface=self.shared_name)}
        self.assertEqual(keys - {""}, {self.c1.keypair.public, self.c2.keypair.public})
        self.assertEqual(len(scrape.find("wireguard_interface_info",
                                         interface=self.shared_name)), 3)
        # No namespace descriptor outlives the scrape.
        self.assertEqual(nsfs_descriptors(exporter.pid), 0)

    def test_named_namespaces_and_listed_interfaces_by_netns(self):
        missing_ns = self.net.base + "gone"
        exporter = self.exporter(self.config(["named"], interfaces=[
            {"name": self.named_iface.name, "netns": self.named.name,
             "online_threshold": "150s", "labels": {"site": "named"}},
            {"name": self.net.base + "x0", "netns": missing_ns},
        ], namespace_exclude=["wgxt*"]))
        scrape = exporter.scrape()
        # The socket is in the host's directory, the interface in the named namespace.
        self.assertEqual(one_value(scrape, "wireguard_interface_up", self.named.name,
                                   interface=self.named_iface.name, site="named"), 1)
        self.assertEqual(in_netns(scrape, "wireguard_interface_up", "",
                                  interface=self.named_iface.name), [])
        self.assertEqual(one_value(scrape, "wireguard_interface_online_threshold_seconds",
                                   self.named.name, interface=self.named_iface.name), 150)
        self.assertEqual(one_value(scrape, "wireguard_netns_up", self.named.name), 1)
        # A listed interface in a namespace that is not there is down, not an error.
        self.assertEqual(one_value(scrape, "wireguard_interface_up", missing_ns,
                                   interface=self.net.base + "x0"), 0)
        # Containers are not named namespaces.
        self.assertEqual(in_netns(scrape, "wireguard_netns_up", self.container_netns(scrape, self.c1)),
                         [])
        self.assertEqual(nsfs_descriptors(exporter.pid), 0)

    def test_without_privileges_other_namespaces_are_down_and_the_own_is_read(self):
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv not found")
        nobody = pwd.getpwnam("nobody")
        # Readable config and socket access as the unit grants it.
        path = self.config(["named", "processes"])
        os.chmod(self.net.workdir, 0o755)
        os.chmod(path, 0o644)
        wrapper = os.path.join(self.net.workdir, "as-nobody.sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec setpriv --reuid %d --regid %d --clear-groups "
                    "--inh-caps +dac_override,+net_admin --ambient-caps +dac_override,+net_admin "
                    "%s \"$@\"\n" % (nobody.pw_uid, nobody.pw_gid, wgnet.exporter_binary()))
        os.chmod(wrapper, 0o755)
        exporter = wgnet.Exporter(self.net.workdir, config_file=path, binary=wrapper)
        self.addCleanup(exporter.stop)
        exporter.start()
        scrape = exporter.scrape()
        self.assertEqual(one_value(scrape, "wireguard_netns_up", ""), 1)
        self.assertEqual(one_value(scrape, "wireguard_interface_up", "",
                                   interface=self.shared_name), 1)
        self.assertEqual(one_value(scrape, "wireguard_netns_up", self.named.name), 0)
        log = exporter.log()
        self.assertIn("CAP_SYS_ADMIN", log)
        self.assertIn("CAP_SYS_PTRACE", log)
        # Still serving.
        self.assertEqual(exporter.get("/-/healthy")[0], 200)

    def test_a_container_that_stops_vanishes_in_the_next_scrape(self):
        extra = Container(self.net, self.shared_name, "3")
        self.addCleanup(extra.stop)
        exporter = self.exporter(self.config(["processes"]))
        scrape = exporter.scrape()
        name = expected_process_name(extra.pid)
        if name != f"pid-{extra.pid}":  # a unit shared with the other containers
            name = f"{name}-{os.stat(f'/proc/{extra.pid}/ns/net').st_ino}"
        self.assertEqual(one_value(scrape, "wireguard_interface_up", name,
                                   interface=self.shared_name), 1)
        extra.stop()
        wgnet.wait_until(lambda: not os.path.exists(f"/proc/{extra.pid}"), timeout=10,
                         what="container exit")
        scrape = exporter.scrape()
        self.assertEqual(in_netns(scrape, "wireguard_interface_up", name), [])
        self.assertEqual(in_netns(scrape, "wireguard_netns_up", name), [])
        self.assertEqual(nsfs_descriptors(exporter.pid), 0)

    def test_churn_while_four_clients_scrape(self):
        exporter = self.exporter(self.config(["named", "processes"]), log_level="warn")
        exporter.keep_bodies = False
        healthy = {("", self.shared_name), (self.named.name, self.named_iface.name),
                   (self.container_netns(None, self.c1), self.shared_name),
                   (self.container_netns(None, self.c2), self.shared_name)}

        def interfaces_up(scrape):
            return {(netns_of(s), s.labels["interface"])
                    for s in scrape.find("wireguard_interface_up") if s.value == 1}

        for _ in range(3):
            exporter.scrape()  # warm up before the baseline
        # At rest: the fewest seen over a second, once the warm-up's
        # connections are closed on the server's side too.
        fds_before = min(len(os.listdir(f"/proc/{exporter.pid}/fd"))
                         for _ in range(10) if time.sleep(0.1) is None)
        rss_before = rss_kib(exporter.pid)

        stop = threading.Event()
        counts = {"scrapes": 0, "failures": 0}
        problems = []
        lock = threading.Lock()

        def client():
            while not stop.is_set():
                try:
                    scrape = exporter.scrape(timeout=20)
                    missing = healthy - interfaces_up(scrape)
                    with lock:
                        counts["scrapes"] += 1
                        if missing:
                            counts["failures"] += 1
                            problems.append(f"missing {sorted(missing)}")
                except Exception as e:  # a non-200 answer or a broken connection
                    with lock:
                        counts["failures"] += 1
                        problems.append(repr(e))

        clients = [threading.Thread(target=client) for _ in range(4)]
        for t in clients:
            t.start()
        rounds = 6
        try:
            for i in range(rounds):
                container = Container(self.net, self.shared_name, f"churn{i}")
                self.addCleanup(container.stop)  # also when a round fails
                ns = self.net.namespace(f"q{i}")
                iface = self.net.wg_interface(ns, f"k{i}")
                container_name = expected_process_name(container.pid)
                if container_name != f"pid-{container.pid}":
                    container_name += f"-{os.stat(f'/proc/{container.pid}/ns/net').st_ino}"
                added = {(container_name, self.shared_name), (ns.name, iface.name)}
                self.assertTrue(self._within_two_scrapes(
                    exporter, lambda up: added <= up, interfaces_up), f"round {i}: not seen")
                container.stop()
                iface.stop()
                wgnet.run(["ip", "netns", "del", ns.name])
                self.net.namespaces.remove(ns)
                self.assertTrue(self._within_two_scrapes(
                    exporter, lambda up: not (added & up), interfaces_up), f"round {i}: not gone")
        finally:
            stop.set()
            for t in clients:
                t.join(30)
        for _ in range(3):
            exporter.scrape()
        # The server may still be closing the last client's connection: a leak
        # never comes back down, a closing socket does within moments.
        def fd_count():
            return len(os.listdir(f"/proc/{exporter.pid}/fd"))
        with contextlib.suppress(TimeoutError):
            wgnet.wait_until(lambda: fd_count() <= fds_before, timeout=10, interval=0.1)
        fds_after = fd_count()
        rss_after = rss_kib(exporter.pid)
        print(f"churn: {rounds} rounds, {counts['scrapes']} scrapes by 4 clients, "
              f"{counts['failures']} failures; fds {fds_before} -> {fds_after}; "
              f"RSS {rss_before} -> {rss_after} KiB", flush=True)
        self.assertEqual(counts["failures"], 0, problems[:5])
        self.assertGreater(counts["scrapes"], 4 * rounds)
        self.assertEqual(fds_after, fds_before)
        self.assertEqual(nsfs_descriptors(exporter.pid), 0)
        self.assertLess(rss_after - rss_before, 8 * 1024)

    @staticmethod
    def _within_two_scrapes(exporter, condition, interfaces_up):
        return any(condition(interfaces_up(exporter.scrape())) for _ in range(2))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    unittest.main()
