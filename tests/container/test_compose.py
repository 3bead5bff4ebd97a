"""The compose examples in deploy/compose/: each validated by Debian's
docker-compose (its schema check), and the sidecar shape of
deploy/compose/linuxserver run for real by docker-compose against podman's
Docker-compatible API (`podman system service`), with the stand-in
WireGuard image in place of linuxserver's and a second WireGuard container to
shake hands with. (Debian 12's podman-compose 1.0.3 cannot run
`network_mode: service:NAME`.)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import test_container as tc  # noqa: E402
import wgnet  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE_DIR = os.path.join(ROOT, "deploy", "compose")
EXAMPLES = sorted(d for d in os.listdir(COMPOSE_DIR)
                  if os.path.isfile(os.path.join(COMPOSE_DIR, d, "compose.yaml")))


def yaml_to_json(path):
    """Compose files are YAML; the Python that runs podman-compose has a YAML
    parser (its dependency), this one may not."""
    out = subprocess.run(
        ["/usr/bin/python3", "-c",
         "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


class ComposeValidationTest(unittest.TestCase):
    def test_every_example_is_valid_compose(self):
        self.assertEqual(EXAMPLES, ["host", "linuxserver", "wg-easy"])
        for name in EXAMPLES:
            path = os.path.join(COMPOSE_DIR, name, "compose.yaml")
            with self.subTest(example=name):
                proc = subprocess.run(["docker-compose", "-f", path, "config", "-q"],
                                      capture_output=True, text=True)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                services = yaml_to_json(path)["services"]
                exporter = services["wireguard-exporter"]
                self.assertIn("NET_ADMIN", exporter["cap_add"])
                self.assertEqual(exporter["cap_drop"], ["ALL"])
                self.assertTrue(exporter["read_only"])
                mode = exporter["network_mode"]
                if mode != "host":
                    self.assertTrue(mode.startswith("service:"), mode)
                    self.assertIn(mode.split(":", 1)[1], services)

    def test_validator_rejects_a_broken_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "compose.yaml")
            with open(path, "w") as f:
                f.write("services:\n  exporter:\n    image: x\n    cap_add: NET_ADMIN\n"
                        "    network_mode: [host]\n")
            proc = subprocess.run(["docker-compose", "-f", path, "config", "-q"],
                                  capture_output=True, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("network_mode", proc.stderr)


class ComposeSidecarTest(tc.ContainerCase):
    def setUp(self):
        super().setUp()
        self.net = wgnet.Network("p")
        self.addCleanup(self.net.close)
        self.workdir = tempfile.mkdtemp(prefix="wgx-compose-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.project = f"wgxcompose{os.getpid()}"
        # podman's Docker API serves docker-compose; the settings these hosts
        # need go through containers.conf.
        conf = os.path.join(self.workdir, "containers.conf")
        nofile = tc._hard_limit("RLIMIT_NOFILE")
        nproc = tc._hard_limit("RLIMIT_NPROC")
        with open(conf, "w") as f:
            f.write('[containers]\n'
                    f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
                    '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n'
                    'events_logger = "file"\n')
        sock = os.path.join(self.workdir, "podman.sock")
        self.service = subprocess.Popen(
            ["podman", "system", "service", "--time=0", f"unix://{sock}"],
            env=dict(os.environ, CONTAINERS_CONF=conf), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.addCleanup(self._stop_service)
        wgnet.wait_until(lambda: os.path.exists(sock), timeout=20, what="podman's API socket")
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{sock}", CONTAINERS_CONF=conf)
        self.addCleanup(self._remove_project)

    def _stop_service(self):
        self.service.terminate()
        try:
            self.service.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.service.kill()
            self.service.wait()

    def _remove_project(self):
        """docker-compose down, then whatever it left (it may stop a service
        before its sidecar): every container and volume of the project."""
        self.compose("down", "-v", "-t", "2", check=False)
        label = f"label=com.docker.compose.project={self.project}"
        for kind in ("container", "volume"):
            ids = tc.podman(kind, "ls", "-a" if kind == "container" else "-q", "-q",
                            "--filter", label, check=False).stdout.split()
            if ids:
                tc.podman(kind, "rm", "-f", *ids, check=False)

    def compose(self, *args, check=True):
        proc = subprocess.run(["docker-compose", "-p", self.project, "-f", self.file, *args],
                              capture_output=True, text=True, env=self.env, timeout=300,
                              cwd=self.workdir)
        if check and proc.returncode != 0:
            raise AssertionError(f"docker-compose {' '.join(args)}: {proc.stdout}{proc.stderr}")
        return proc

    def test_linuxserver_example_runs_beside_a_wireguard_container(self):
        b = self.net.namespace("b")
        ka, kb = wgnet.Keypair.generate(), wgnet.Keypair.generate()

        # The example, with the stand-in in place of linuxserver/wireguard in
        # a network namespace of its own (joined to `b` by a veth pair once it
        # runs); the exporter service is the example's, image aside.
        self.file = os.path.join(self.workdir, "compose.yaml")
        spec = yaml_to_json(os.path.join(COMPOSE_DIR, "linuxserver", "compose.yaml"))
        wg_name = f"{self.tag}-wg".lower()
        exporter_name = f"{self.tag}-exp".lower()
        wireguard = spec["services"]["wireguard"]
        wireguard.update({
            "image": tc.WIREGUARD_IMAGE,
            "container_name": wg_name,
            "network_mode": "none",
            "devices": ["/dev/net/tun"],
            "environment": [
                f"WG_PRIVATE_KEY={ka.private}", "WG_LISTEN_PORT=51921",
                "WG_ADDRESS=10.236.0.1/24",
                f"WG_PEERS={kb.public},10.236.0.2/32,10.235.0.2:51922,branch-office",
                "WG_QUICK_FILE=/config/wg_confs/wg0.conf",
            ],
            "volumes": [v for v in wireguard["volumes"] if not v.startswith("/lib/modules")],
        })
        for key in ("ports", "sysctls"):
            wireguard.pop(key, None)
        exporter = spec["services"]["wireguard-exporter"]
        self.assertEqual(exporter["network_mode"], "service:wireguard")
        exporter["container_name"] = exporter_name
        exporter["image"] = tc.IMAGE
        shutil.copy(os.path.join(COMPOSE_DIR, "linuxserver", "wireguard_exporter.yml"),
                    self.workdir)
        with open(self.file, "w") as f:
            json.dump(spec, f, indent=1)

        # The second WireGuard container, in namespace `b`.
        sockets_b = self.volume("sock-b")
        wg_b = self.container(
            "wgb", "--network", f"ns:/run/netns/{b.name}", "--cap-add", "NET_ADMIN",
            "--device", "/dev/net/tun", "-v", f"{sockets_b}:/var/run/wireguard",
            "-e", f"WG_PRIVATE_KEY={kb.private}", "-e", "WG_LISTEN_PORT=51922",
            "-e", "WG_ADDRESS=10.236.0.2/24", "-e", f"WG_PEERS={ka.public},10.236.0.1/32,",
            tc.WIREGUARD_IMAGE)

        self.compose("up", "-d")
        self.wait_running(wg_name)
        self.wait_running(exporter_name)
        # The exporter shares the WireGuard container's network namespace.
        wg_pid, exp_pid = self.container_pid(wg_name), self.container_pid(exporter_name)
        self.assertEqual(os.readlink(f"/proc/{wg_pid}/ns/net"),
                         os.readlink(f"/proc/{exp_pid}/ns/net"))
        # Join that namespace to `b`: one end of a veth pair into each.
        veth = f"{self.net.base}pv"
        wgnet.run(["ip", "link", "add", veth + "a", "netns", str(wg_pid), "type", "veth",
                   "peer", "name", veth + "b", "netns", b.name])
        nsenter = ["nsenter", "-t", str(wg_pid), "-n", "ip"]
        wgnet.run(nsenter + ["addr", "add", "10.235.0.1/24", "dev", veth + "a"])
        wgnet.run(nsenter + ["link", "set", veth + "a", "up"])
        b.ip("addr", "add", "10.235.0.2/24", "dev", veth + "b")
        b.ip("link", "set", veth + "b", "up")

        deadline = time.monotonic() + 40
        scrape = None
        while True:
            proc = subprocess.run(
                nsenter[:-1] + ["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9586/metrics"],
                capture_output=True, text=True)
            if proc.returncode == 0:
                scrape = wgnet.Scrape(proc.stdout)
                online = scrape.find("wireguard_peer_online", interface="wg0",
                                     public_key=kb.public)
                if online and online[0].value == 1:
                    break
            if time.monotonic() > deadline:
                self.fail(f"no online peer seen: {scrape.text[:1500] if scrape else proc.stderr}\n"
                          f"wireguard: {self.logs(wg_name)}\nb: {self.logs(wg_b)}\n"
                          f"exporter: {self.logs(exporter_name)}")
            time.sleep(0.5)
        self.assertEqual(scrape.value("wireguard_interface_up", interface="wg0"), 1)
        info = scrape.find("wireguard_interface_info", interface="wg0")[0]
        self.assertEqual(info.labels["public_key"], ka.public)
        # The peer's name, from the wg-quick file on the shared /config volume.
        peer = scrape.find("wireguard_peer_online", interface="wg0", public_key=kb.public)
        self.assertEqual(peer[0].labels["name"], "branch-office")


if __name__ == "__main__":
    unittest.main()
