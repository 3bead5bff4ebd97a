"""End to end: the exporter against real wireguard-go interfaces.

Two namespaces joined by a veth pair, one wireguard-go interface in each,
completing a real handshake (with a preshared key); the exporter runs on
loopback and is scraped over HTTP. Needs root (namespaces), wireguard-go and
wg(8); WGX_EXPORTER names the binary under test.
"""

import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402

PEER_FAMILIES = [
    "wireguard_peer_last_handshake_timestamp_seconds",
    "wireguard_peer_last_handshake_age_seconds",
    "wireguard_peer_online",
    "wireguard_peer_receive_bytes_total",
    "wireguard_peer_transmit_bytes_total",
    "wireguard_peer_persistent_keepalive_interval_seconds",
    "wireguard_peer_info",
]
INTERFACE_FAMILIES = [
    "wireguard_interface_up",
    "wireguard_interface_info",
    "wireguard_interface_peers",
    "wireguard_interface_peers_online",
    "wireguard_interface_online_threshold_seconds",
    "wireguard_interface_read_duration_seconds",
]


class CoreEndToEnd(unittest.TestCase):
    net = None

    @classmethod
    def setUpClass(cls):
        cls.net = wgnet.Network("c")
        try:
            cls._build_network()
            cls.exporters = []
            cls.config_path = os.path.join(cls.net.workdir, "shared.yml")
            wgnet.write_file_atomically(cls.config_path, cls.config_text(generation=1))
            cls.exporter = cls._start_exporter(cls.config_path)
        except BaseException:
            cls.net.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for exporter in cls.exporters:
                exporter.stop()
        finally:
            cls.net.close()

    @classmethod
    def _build_network(cls):
        net = cls.net
        cls.ns_a = net.namespace("na")
        cls.ns_b = net.namespace("nb")
        net.veth(cls.ns_a, cls.ns_b, "10.213.0.1/24", "10.213.0.2/24")
        cls.a = net.wg_interface(cls.ns_a, "a0")
        cls.b = net.wg_interface(cls.ns_b, "b0")
        cls.a.set_identity(wgnet.Keypair.generate(), 51820)
        cls.b.set_identity(wgnet.Keypair.generate(), 51821)
        cls.psk = wgnet.genpsk()
        cls.ghost = wgnet.random_key()  # configured, never answers
        cls.a.add_peer(cls.ghost, allowed_ips=["10.214.0.99/32"])
        for iface, address in ((cls.a, "10.214.0.1/24"), (cls.b, "10.214.0.2/24")):
            iface.up()
            iface.add_address(address)
        net.connect(cls.a, cls.b, "10.214.0.1", "10.214.0.2", "10.213.0.2",
                    preshared_key=cls.psk)
        cls.secrets = [cls.a.keypair.private, cls.b.keypair.private, cls.psk]

    @classmethod
    def config_dict(cls, generation, b_name_prefix="peer-b-gen"):
        return {
            "defaults": {"online_threshold": "3m", "read_timeout": "2s"},
            "discover": True,
            # Only this run's interfaces, whatever else runs on the machine.
            "exclude": wgnet.exclude_all_but(cls.net.base),
            "interfaces": [
                {
                    "name": cls.a.name,
                    "labels": {"site": "e2e"},
                    "peers": [
                        {"public_key": cls.b.public_key, "name": f"{b_name_prefix}{generation}",
                         "labels": {"owner": "bob"}},
                        {"public_key": cls.ghost, "name": "ghost"},
                    ],
                },
                {
                    "name": cls.b.name,
                    "online_threshold": "150s",
                    "peers": [{"public_key": cls.a.public_key, "name": f"peer-a-gen{generation}"}],
                },
            ],
        }

    @classmethod
    def config_text(cls, generation, **kw):
        return wgnet.yaml_dump(cls.config_dict(generation, **kw)) + "\n"

    @classmethod
    def _start_exporter(cls, config_path, **kw):
        exporter = wgnet.Exporter(cls.net.workdir, config_file=config_path, **kw)
        cls.exporters.append(exporter)  # kept for the secrets check at the end
        return exporter.start()

    def private_exporter(self, generation=1, **kw):
        """An exporter with its own config file, for tests that edit it."""
        path = os.path.join(self.net.workdir, f"{self._testMethodName}.yml")
        wgnet.write_file_atomically(path, self.config_text(generation))
        exporter = self._start_exporter(path, **kw)
        self.addCleanup(exporter.stop)
        return exporter, path

    def names(self, scrape):
        """{public_key: name} from wireguard_peer_online."""
        return {s.labels["public_key"]: s.labels["name"]
                for s in scrape.find("wireguard_peer_online")}

    def assert_generation(self, scrape, generation):
        names = self.names(scrape)
        self.assertEqual(names.get(self.b.public_key), f"peer-b-gen{generation}", names)
        self.assertEqual(names.get(self.a.public_key), f"peer-a-gen{generation}", names)

    def assert_log_names_config_error(self, exporter, path):
        log = exporter.log()
        self.assertIn(path, log, "the reload error names the file")

    # ------------------------------------------------------------------ scrape content

    def test_handshake_peer_is_online_with_small_age(self):
        before = self.a.latest_handshakes()[self.b.public_key]
        scrape = self.exporter.scrape()
        after = self.a.latest_handshakes()[self.b.public_key]
        now = time.time()
        peer = dict(interface=self.a.name, public_key=self.b.public_key)

        self.assertEqual(scrape.value("wireguard_peer_online", **peer), 1)
        timestamp = scrape.value("wireguard_peer_last_handshake_timestamp_seconds", **peer)
        self.assertGreaterEqual(timestamp, before)
        self.assertLess(timestamp, after + 1)
        age = scrape.value("wireguard_peer_last_handshake_age_seconds", **peer)
        self.assertGreaterEqual(age, 0)
        # A keepalive every second renews the session every 120 s.
        self.assertLess(age, 130)
        self.assertAlmostEqual(age, now - timestamp, delta=2.5)

        # The responder's side sees the same handshake.
        back = dict(interface=self.b.name, public_key=self.a.public_key)
        self.assertEqual(scrape.value("wireguard_peer_online", **back), 1)
        self.assertLess(scrape.value("wireguard_peer_last_handshake_age_seconds", **back), 125)

    def test_peer_series_carry_name_and_labels(self):
        scrape = self.exporter.scrape()
        for family in PEER_FAMILIES:
            with self.subTest(family=family):
                found = scrape.find(family, interface=self.a.name, public_key=self.b.public_key)
                self.assertEqual(len(found), 1, family)
                labels = found[0].labels
                self.assertEqual(labels["name"], "peer-b-gen1")
                self.assertEqual(labels["owner"], "bob")
                self.assertEqual(labels["site"], "e2e")
                back = scrape.find(family, interface=self.b.name, public_key=self.a.public_key)
                self.assertEqual(len(back), 1, family)
                self.assertEqual(back[0].labels["name"], "peer-a-gen1")
                self.assertNotIn("site", back[0].labels, "labels of another interface leaked")

    def test_peer_details(self):
        scrape = self.exporter.scrape()
        peer = dict(interface=self.a.name, public_key=self.b.public_key)
        info = scrape.find("wireguard_peer_info", **peer)
        self.assertEqual(len(info), 1)
        self.assertEqual(info[0].value, 1)
        self.assertEqual(info[0].labels["endpoint"], "10.213.0.2:51821")
        self.assertEqual(info[0].labels["allowed_ips"], "10.214.0.2/32")
        self.assertEqual(
            scrape.value("wireguard_peer_persistent_keepalive_interval_seconds", **peer), 1)
        self.assertEqual(scrape.value("wireguard_peer_persistent_keepalive_interval_seconds",
                                      interface=self.b.name, public_key=self.a.public_key), 0)

    def test_never_handshaken_peer(self):
        scrape = self.exporter.scrape()
        ghost = dict(interface=self.a.name, public_key=self.ghost)
        self.assertTrue(wgnet.is_inf(
            scrape.value("wireguard_peer_last_handshake_age_seconds", **ghost)))
        self.assertEqual(scrape.value("wireguard_peer_online", **ghost), 0)
        self.assertEqual(scrape.value("wireguard_peer_last_handshake_timestamp_seconds", **ghost), 0)
        self.assertEqual(scrape.value("wireguard_peer_receive_bytes_total", **ghost), 0)
        self.assertEqual(scrape.find("wireguard_peer_online", **ghost)[0].labels["name"], "ghost")

    def test_interface_series(self):
        scrape = self.exporter.scrape()
        for iface, port, peers, threshold in ((self.a, 51820, 2, 180), (self.b, 51821, 1, 150)):
            with self.subTest(interface=iface.name):
                this = dict(interface=iface.name)
                self.assertEqual(scrape.value("wireguard_interface_up", **this), 1)
                info = scrape.find("wireguard_interface_info", **this)
                self.assertEqual(len(info), 1)
                self.assertEqual(info[0].value, 1)
                self.assertEqual(info[0].labels["implementation"], "userspace")
                self.assertEqual(info[0].labels["public_key"], iface.public_key)
                self.assertEqual(info[0].labels["listen_port"], str(port))
                self.assertEqual(scrape.value("wireguard_interface_peers", **this), peers)
                self.assertEqual(scrape.value("wireguard_interface_peers_online", **this), 1)
                self.assertEqual(
                    scrape.value("wireguard_interface_online_threshold_seconds", **this), threshold)
                duration = scrape.value("wireguard_interface_read_duration_seconds", **this)
                self.assertGreaterEqual(duration, 0)
                self.assertLess(duration, 2)
        for family in INTERFACE_FAMILIES:
            found = scrape.find(family, interface=self.a.name)
            self.assertTrue(found and all(s.labels.get("site") == "e2e" for s in found), family)

    def test_only_selected_interfaces_and_every_family_documented(self):
        scrape = self.exporter.scrape()
        interfaces = scrape.label_values("interface")
        self.assertTrue({self.a.name, self.b.name} <= interfaces)
        foreign = {name for name in interfaces if not name.startswith(self.net.base)}
        self.assertEqual(foreign, set(), "excluded interfaces were exported")
        for family in PEER_FAMILIES + INTERFACE_FAMILIES + [
                "wireguard_exporter_build_info",
                "wireguard_exporter_config_last_reload_successful",
                "wireguard_exporter_config_last_reload_success_timestamp_seconds"]:
            self.assertTrue(scrape.find(family), f"{family} missing")
        for name in {s.name for s in scrape.samples}:
            self.assertTrue(scrape.help.get(name), f"{name} has no HELP")
            self.assertIn(name, scrape.types, f"{name} has no TYPE")
        self.assertEqual(scrape.types["wireguard_peer_receive_bytes_total"], "counter")
        self.assertEqual(scrape.types["wireguard_peer_online"], "gauge")
        build = scrape.find("wireguard_exporter_build_info")
        self.assertEqual(len(build), 1)
        self.assertTrue(build[0].labels.get("version"))
        self.assertIn("revision", build[0].labels)
        self.assertEqual(scrape.value("wireguard_exporter_config_last_reload_successful"), 1)
        loaded = scrape.value("wireguard_exporter_config_last_reload_success_timestamp_seconds")
        self.assertGreater(loaded, time.time() - 3600)
        self.assertLessEqual(loaded, time.time() + 1)
        self.assertTrue(scrape.headers.get("Content-Type", "").startswith("text/plain"))

    def test_byte_counters_grow(self):
        peer = dict(interface=self.a.name, public_key=self.b.public_key)
        back = dict(interface=self.b.name, public_key=self.a.public_key)
        first = self.exporter.scrape()
        self.ns_a.send_udp("10.214.0.2", count=30, size=1000)
        self.ns_b.send_udp("10.214.0.1", count=30, size=1000)
        wgnet.wait_until(
            lambda: self.b.transfer()[self.a.public_key][0] >=
            first.value("wireguard_peer_receive_bytes_total", **back) + 30_000 and
            self.a.transfer()[self.b.public_key][0] >=
            first.value("wireguard_peer_receive_bytes_total", **peer) + 30_000,
            timeout=10, what="tunnel traffic to arrive")
        second = self.exporter.scrape()
        for labels, family in ((peer, "wireguard_peer_transmit_bytes_total"),
                               (peer, "wireguard_peer_receive_bytes_total"),
                               (back, "wireguard_peer_transmit_bytes_total"),
                               (back, "wireguard_peer_receive_bytes_total")):
            with self.subTest(family=family, interface=labels["interface"]):
                # 30 datagrams of 1000 bytes, each carried with WireGuard overhead.
                self.assertGreaterEqual(second.value(family, **labels),
                                        first.value(family, **labels) + 30_000)

    # ------------------------------------------------------------------ configuration reload

    def test_config_edit_shows_in_next_scrape(self):
        exporter, path = self.private_exporter(generation=1)
        self.assert_generation(exporter.scrape(), 1)
        wgnet.write_file_atomically(path, self.config_text(2))  # new inode
        scrape = exporter.scrape()
        self.assert_generation(scrape, 2)
        self.assertEqual(scrape.value("wireguard_exporter_config_last_reload_successful"), 1)
        with open(path, "w") as f:  # same inode, rewritten in place, new size
            f.write(self.config_text(3, b_name_prefix="peer-b-in-place-gen"))
        names = self.names(exporter.scrape())
        self.assertEqual(names[self.b.public_key], "peer-b-in-place-gen3")
        self.assertEqual(names[self.a.public_key], "peer-a-gen3")
        self.assertTrue(exporter.alive())

    def test_broken_edit_keeps_old_snapshot(self):
        exporter, path = self.private_exporter(generation=1)
        first = exporter.scrape()
        self.assert_generation(first, 1)
        loaded_at = first.value("wireguard_exporter_config_last_reload_success_timestamp_seconds")
        good = self.config_dict(2)
        bad_threshold = self.config_dict(2)
        bad_threshold["interfaces"][1]["online_threshold"] = "3 minutes"
        bad_key = self.config_dict(2)
        bad_key["interfaces"][0]["peers"][1]["public_key"] = "not-a-key"
        unknown_key = self.config_dict(2)
        unknown_key["interfaces"][0]["colour"] = "blue"
        duplicate_peer = self.config_dict(2)
        duplicate_peer["interfaces"][0]["peers"].append(
            {"public_key": self.b.public_key, "name": "again"})
        broken = {
            "invalid YAML": wgnet.yaml_dump(good) + "\n  - name: [unclosed\n",
            "bad duration": wgnet.yaml_dump(bad_threshold) + "\n",
            "bad key": wgnet.yaml_dump(bad_key) + "\n",
            "unknown key": wgnet.yaml_dump(unknown_key) + "\n",
            "duplicate peer": wgnet.yaml_dump(duplicate_peer) + "\n",
        }
        for what, text in broken.items():
            with self.subTest(what):
                wgnet.write_file_atomically(path, text)
                scrape = exporter.scrape()
                # Nothing of generation 2 applied, not even the valid parts.
                self.assert_generation(scrape, 1)
                self.assertEqual(
                    scrape.value("wireguard_exporter_config_last_reload_successful"), 0)
                self.assertEqual(
                    scrape.value("wireguard_exporter_config_last_reload_success_timestamp_seconds"),
                    loaded_at)
                self.assertEqual(scrape.value("wireguard_interface_up", interface=self.a.name), 1)
        self.assert_log_names_config_error(exporter, path)
        # A reload by signal of the still broken file changes nothing either.
        exporter.signal(signal.SIGHUP)
        time.sleep(0.3)
        scrape = exporter.scrape()
        self.assert_generation(scrape, 1)
        self.assertEqual(scrape.value("wireguard_exporter_config_last_reload_successful"), 0)

        time.sleep(1.1)  # a later success timestamp, at any clock resolution
        wgnet.write_file_atomically(path, self.config_text(3))
        scrape = exporter.scrape()
        self.assert_generation(scrape, 3)
        self.assertEqual(scrape.value("wireguard_exporter_config_last_reload_successful"), 1)
        self.assertGreater(
            scrape.value("wireguard_exporter_config_last_reload_success_timestamp_seconds"),
            loaded_at)
        self.assertTrue(exporter.alive())

    def loaded_at(self, scrape):
        return scrape.value("wireguard_exporter_config_last_reload_success_timestamp_seconds")

    def unchanged_file_is_not_reloaded(self, exporter):
        """The success timestamp of an unchanged file stays put across scrapes,
        so a later increase proves an explicit reload (SIGHUP, POST) happened;
        the file's content cannot, since any edit is noticed by a scrape."""
        first = self.loaded_at(exporter.scrape())
        time.sleep(1.1)  # a later timestamp would differ at any clock resolution
        self.assertEqual(self.loaded_at(exporter.scrape()), first)
        return first

    def test_sighup_reloads(self):
        exporter, _ = self.private_exporter(generation=1)
        before = self.unchanged_file_is_not_reloaded(exporter)
        exporter.signal(signal.SIGHUP)
        scrape = wgnet.wait_until(
            lambda: (lambda s: s if self.loaded_at(s) > before else None)(exporter.scrape()),
            timeout=5, interval=0.1, what="a reload after SIGHUP")
        self.assertEqual(scrape.value("wireguard_exporter_config_last_reload_successful"), 1)
        self.assert_generation(scrape, 1)
        self.assertTrue(exporter.alive())

    def test_post_reload(self):
        exporter, path = self.private_exporter(generation=1)
        before = self.unchanged_file_is_not_reloaded(exporter)
        self.assertEqual(exporter.reload(), 200)
        scrape = exporter.scrape()
        self.assertGreater(self.loaded_at(scrape), before)
        self.assert_generation(scrape, 1)
        # A failed reload says so, and changes nothing.
        wgnet.write_file_atomically(path, "interfaces: [\n")
        self.assertGreaterEqual(exporter.reload(), 400)
        scrape = exporter.scrape()
        self.assert_generation(scrape, 1)
        self.assertEqual(scrape.value("wireguard_exporter_config_last_reload_successful"), 0)

    def test_reload_forbidden_without_lifecycle(self):
        exporter, _ = self.private_exporter(generation=1, lifecycle=False)
        before = self.unchanged_file_is_not_reloaded(exporter)
        self.assertEqual(exporter.reload(), 403)
        self.assertEqual(self.loaded_at(exporter.scrape()), before)

    # ------------------------------------------------------------------ HTTP and process

    def test_http_endpoints(self):
        status, _, body = self.exporter.get("/")
        self.assertEqual(status, 200)
        self.assertIn('href="/metrics"', body)
        self.assertEqual(self.exporter.get("/-/healthy")[0], 200)
        self.assertEqual(self.exporter.get("/-/ready")[0], 200)
        self.assertEqual(self.exporter.get("/no-such-page")[0], 404)

    def test_live_scrape_passes_promtool(self):
        """A real scrape, handshaken and never-handshaken peers included, is valid exposition."""
        scrape = self.exporter.scrape()
        self.assertIn("+Inf", scrape.text, "the never-handshaken peer is in this scrape")
        check = subprocess.run(["promtool", "check", "metrics"], input=scrape.text,
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_telemetry_path_flag(self):
        exporter, _ = self.private_exporter(extra_args=["--web.telemetry-path=/wg-metrics"])
        status, _, body = exporter.get("/")
        self.assertEqual(status, 200)
        self.assertIn('href="/wg-metrics"', body)
        scrape = exporter.scrape("/wg-metrics")
        self.assertEqual(scrape.value("wireguard_interface_up", interface=self.a.name), 1)

    def test_sigterm_and_sigint_exit_cleanly(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=signum.name):
                exporter, _ = self.private_exporter()
                exporter.scrape()
                exporter.signal(signum)
                self.assertEqual(exporter.proc.wait(10), 0, exporter.log()[-2000:])

    def test_config_check(self):
        good = os.path.join(self.net.workdir, "check-good.yml")
        bad = os.path.join(self.net.workdir, "check-bad.yml")
        wgnet.write_file_atomically(good, self.config_text(1))
        wgnet.write_file_atomically(bad, "defaults:\n  online_threshold: soon\n")
        ok = wgnet.run_exporter_once(["--config.check", f"--config.file={good}"])
        self.assertEqual(ok.returncode, 0, ok.stderr)
        failed = wgnet.run_exporter_once(["--config.check", f"--config.file={bad}"])
        self.assertEqual(failed.returncode, 1, failed.stderr)
        self.assertIn(f"{bad}:2", failed.stdout + failed.stderr, "error names file and line")
        missing = wgnet.run_exporter_once(
            ["--config.check", f"--config.file={self.net.workdir}/absent.yml"])
        self.assertEqual(missing.returncode, 1, missing.stderr)

    def test_bad_flags_exit_2(self):
        for args in (["--no-such-flag"], ["--log.level=loud"], ["--log.format=xml"],
                     ["--web.listen-address=not an address"]):
            with self.subTest(args=args):
                try:
                    proc = wgnet.run_exporter_once(args, timeout=10)
                except subprocess.TimeoutExpired:
                    self.fail(f"{args} did not exit")
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertTrue(proc.stderr.strip(), "a clear error on stderr")

    # ------------------------------------------------------------------ interfaces coming and going

    def test_interface_added_then_deleted(self):
        extra = self.net.wg_interface(self.ns_a, "a1")
        extra.set_identity(wgnet.Keypair.generate(), 51822)
        extra.up()
        self.addCleanup(self.b.wg, "set", self.b.name, "peer", extra.public_key, "remove")
        self.net.connect(extra, self.b, "10.214.0.3", "10.214.0.2", "10.213.0.2")
        scrape = self.exporter.scrape()
        self.assertEqual(scrape.value("wireguard_interface_up", interface=extra.name), 1)
        self.assertEqual(scrape.value("wireguard_peer_online", interface=extra.name,
                                      public_key=self.b.public_key), 1)
        self.assertEqual(scrape.value("wireguard_interface_peers", interface=self.b.name), 2)

        extra.delete()
        self.b.wg("set", self.b.name, "peer", extra.public_key, "remove")
        scrape = self.exporter.scrape()
        stale = [s for s in scrape.samples if s.labels.get("interface") == extra.name
                 or s.labels.get("public_key") == extra.public_key]
        self.assertEqual(stale, [], "stale series of a deleted interface")
        self.assertEqual(scrape.value("wireguard_interface_peers", interface=self.b.name), 1)
        self.assertEqual(scrape.value("wireguard_interface_up", interface=self.a.name), 1)

    def test_killed_wireguard_go_is_down(self):
        victim = self.net.wg_interface(self.ns_a, "a2")
        victim.set_identity(wgnet.Keypair.generate(), 51823)
        victim.add_peer(wgnet.random_key(), allowed_ips=["10.214.9.9/32"])
        victim.up()
        scrape = self.exporter.scrape()
        self.assertEqual(scrape.value("wireguard_interface_up", interface=victim.name), 1)
        victim.kill()
        self.assertTrue(os.path.exists(victim.socket_path), "SIGKILL leaves the socket")
        scrape = self.exporter.scrape()
        self.assertEqual(scrape.value("wireguard_interface_up", interface=victim.name), 0)
        self.assertEqual(scrape.find("wireguard_peer_online", interface=victim.name), [])
        self.assertEqual(scrape.value("wireguard_interface_up", interface=self.a.name), 1)
        self.assertIn(victim.name, self.exporter.log(), "the failed read is logged")
        os.unlink(victim.socket_path)
        scrape = self.exporter.scrape()
        self.assertEqual(scrape.find("wireguard_interface_up", interface=victim.name), [])

    # ------------------------------------------------------------------ figures

    def test_scrape_of_two_interfaces_with_200_peers_each(self):
        """Prints one scrape's duration and size; asserts only the content."""
        big = []
        for n in range(2):
            iface = self.net.wg_interface(self.ns_a, f"s{n}")
            keypair = wgnet.Keypair.generate()
            iface.keypair = keypair
            lines = ["[Interface]", f"PrivateKey = {keypair.private}",
                     f"ListenPort = {51830 + n}"]
            for p in range(200):
                lines += ["", "[Peer]", f"PublicKey = {wgnet.random_key()}",
                          f"AllowedIPs = 10.215.{n * 2 + p // 250}.{p % 250 + 1}/32",
                          f"Endpoint = 10.213.0.2:{40000 + p}", "PersistentKeepalive = 25"]
            iface.setconf("\n".join(lines) + "\n")
            big.append(iface)
        path = os.path.join(self.net.workdir, "big.yml")
        wgnet.write_file_atomically(path, wgnet.yaml_dump({
            "discover": False, "interfaces": [{"name": i.name} for i in big]}) + "\n")
        exporter = self._start_exporter(path, log_level="info")
        self.addCleanup(exporter.stop)
        exporter.scrape()  # warm-up
        scrapes = [exporter.scrape() for _ in range(20)]
        for scrape in scrapes:
            self.assertEqual(scrape.interfaces(), {i.name: 1 for i in big})
            for iface in big:
                self.assertEqual(len(scrape.find("wireguard_peer_online", interface=iface.name)),
                                 200)
        durations = sorted(s.duration_seconds for s in scrapes)
        print(f"\nE2E-FIGURE 2 interfaces x 200 peers: scrape over HTTP median "
              f"{durations[len(durations) // 2] * 1000:.1f} ms (min {durations[0] * 1000:.1f}, "
              f"max {durations[-1] * 1000:.1f}) over {len(scrapes)} scrapes, "
              f"{scrapes[0].size_bytes} bytes, {len(scrapes[0].samples)} samples", flush=True)
        for iface in big:
            iface.delete()

    # ------------------------------------------------------------------ secrets (runs last: name)

    def test_zz_no_secret_in_any_output(self):
        # One more round of everything, then search all that was ever answered
        # and logged by every exporter of this class.
        for path in ("/", "/metrics", "/-/healthy", "/-/ready", "/no-such-page"):
            self.exporter.get(path)
        self.exporter.reload()
        needles = []
        for secret in self.secrets:
            needles += [secret, wgnet.key_hex(secret), wgnet.key_hex(secret).upper()]
        haystacks = {}
        for n, exporter in enumerate(self.exporters):
            haystacks[f"exporter {n} log"] = exporter.log()
            haystacks[f"exporter {n} answers"] = "\n".join(exporter.bodies)
        everything = "\n".join(haystacks.values())
        # The search itself works: public keys are there.
        self.assertIn(self.b.public_key, everything)
        self.assertIn(self.a.public_key, everything)
        for where, text in haystacks.items():
            for needle in needles:
                self.assertNotIn(needle, text, f"a secret appears in {where}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
