"""The compose examples in deploy/compose/: each validated by real compose
implementations from Debian (docker-compose's schema check and
podman-compose), and the sidecar shape of deploy/compose/linuxserver run for
real with podman-compose, the stand-in WireGuard image in place of
linuxserver's and a second WireGuard container to shake hands with.
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
                proc = subprocess.run(["podman-compose", "-f", path, "config"],
                                      capture_output=True, text=True)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                services = yaml_to_json(path)["services"]
                exporter = services["wireguard-exporter"]
                self.assertIn("NET_ADMIN", exporter["cap_add"])
                self.assertEqual(exporter["cap_drop"], ["ALL"])
                self.assertTrue(exporter["read_only"])

    def test_validators_reject_a_broken_file(self):
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
        # podman-compose runs plain `podman`: the settings of these hosts go
        # through containers.conf.
        conf = os.path.join(self.workdir, "containers.conf")
        nofile = tc._hard_limit("RLIMIT_NOFILE")
        nproc = tc._hard_limit("RLIMIT_NPROC")
        with open(conf, "w") as f:
            f.write('[containers]\n'
                    f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
                    '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n'
                    'events_logger = "file"\n')
        self.env = dict(os.environ, CONTAINERS_CONF=conf)

    def compose(self, *args, check=True):
        proc = subprocess.run(["podman-compose", "-p", self.project, "-f", self.file, *args],
                              capture_output=True, text=True, env=self.env, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)}: {proc.stdout}{proc.stderr}")
        return proc

    def test_linuxserver_example_runs_beside_a_wireguard_container(self):
        a = self.net.namespace("a")
        b = self.net.namespace("b")
        self.net.veth(a, b, "10.235.0.1/24", "10.235.0.2/24")
        ka, kb = wgnet.Keypair.generate(), wgnet.Keypair.generate()

        # The example, with the stand-in in place of linuxserver/wireguard and
        # that container in namespace `a` (joined to `b` by the veth pair);
        # the exporter service is the example's, image aside.
        spec = yaml_to_json(os.path.join(COMPOSE_DIR, "linuxserver", "compose.yaml"))
        wg_name = f"{self.tag}-wg".lower()
        wireguard = spec["services"]["wireguard"]
        wireguard.update({
            "image": tc.WIREGUARD_IMAGE,
            "container_name": wg_name,
            "network_mode": f"ns:/run/netns/{a.name}",
            "devices": ["/dev/net/tun"],
            "environment": [
                f"WG_PRIVATE_KEY={ka.private_key}", "WG_LISTEN_PORT=51921",
                "WG_ADDRESS=10.236.0.1/24",
                f"WG_PEERS={kb.public_key},10.236.0.2/32,10.235.0.2:51922,branch-office",
                "WG_QUICK_FILE=/config/wg_confs/wg0.conf",
            ],
            "volumes": [v for v in wireguard["volumes"] if not v.startswith("/lib/modules")],
        })
        for key in ("ports", "sysctls"):
            wireguard.pop(key, None)
        exporter = spec["services"]["wireguard-exporter"]
        self.assertEqual(exporter["network_mode"], "container:wireguard")
        exporter["network_mode"] = f"container:{wg_name}"
        exporter["container_name"] = f"{self.tag}-exp".lower()
        exporter["image"] = tc.IMAGE
        shutil.copy(os.path.join(COMPOSE_DIR, "linuxserver", "wireguard_exporter.yml"),
                    self.workdir)
        self.file = os.path.join(self.workdir, "compose.yaml")
        with open(self.file, "w") as f:
            json.dump(spec, f, indent=1)
        self.project = f"wgxcompose{os.getpid()}"

        # The second WireGuard container, in namespace `b`.
        sockets_b = self.volume("sock-b")
        wg_b = self.container(
            "wgb", "--network", f"ns:/run/netns/{b.name}", "--cap-add", "NET_ADMIN",
            "--device", "/dev/net/tun", "-v", f"{sockets_b}:/var/run/wireguard",
            "-e", f"WG_PRIVATE_KEY={kb.private_key}", "-e", "WG_LISTEN_PORT=51922",
            "-e", "WG_ADDRESS=10.236.0.2/24", "-e", f"WG_PEERS={ka.public_key},10.236.0.1/32,",
            tc.WIREGUARD_IMAGE)

        self.addCleanup(self.compose, "down", "-v", check=False)
        self.compose("up", "-d")
        self.wait_running(exporter["container_name"])
        deadline = time.monotonic() + 40
        while True:
            try:
                scrape = tc.scrape_in(a, 9586, timeout=5)
                online = scrape.find("wireguard_peer_online", interface="wg0",
                                     public_key=kb.public_key)
                if online and online[0].value == 1:
                    break
            except AssertionError:
                scrape = None
            if time.monotonic() > deadline:
                self.fail(f"no online peer seen: {scrape.text[:1500] if scrape else ''}\n"
                          f"wireguard: {self.logs(wg_name)}\nb: {self.logs(wg_b)}\n"
                          f"exporter: {self.logs(exporter['container_name'])}")
            time.sleep(0.5)
        self.assertEqual(scrape.value("wireguard_interface_up", interface="wg0"), 1)
        info = scrape.find("wireguard_interface_info", interface="wg0")[0]
        self.assertEqual(info.labels["public_key"], ka.public_key)
        # The peer's name, from the wg-quick file on the shared /config volume.
        peer = scrape.find("wireguard_peer_online", interface="wg0", public_key=kb.public_key)
        self.assertEqual(peer[0].labels["name"], "branch-office")


if __name__ == "__main__":
    unittest.main()
