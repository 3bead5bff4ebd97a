"""End to end: peer names from one wg-quick file per client (a glob), with the
comment conventions of wg-easy, PiVPN and friendly_json, and exclude_peers,
against a real wireguard-go interface that shook hands with its peer.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402


class PeerSourcesEndToEnd(unittest.TestCase):
    net = None

    @classmethod
    def setUpClass(cls):
        cls.net = wgnet.Network("p")
        try:
            ns_a = cls.net.namespace("na")
            ns_b = cls.net.namespace("nb")
            cls.net.veth(ns_a, ns_b, "10.215.0.1/24", "10.215.0.2/24")
            cls.a = cls.net.wg_interface(ns_a, "a0")
            cls.b = cls.net.wg_interface(ns_b, "b0")
            cls.a.set_identity(wgnet.Keypair.generate(), 51830)
            cls.b.set_identity(wgnet.Keypair.generate(), 51831)
            cls.guest = wgnet.random_key()
            cls.labelled = wgnet.random_key()
            cls.by_key = wgnet.random_key()
            cls.later = wgnet.random_key()
            for n, key in enumerate((cls.guest, cls.labelled, cls.by_key, cls.later)):
                cls.a.add_peer(key, allowed_ips=[f"10.216.0.{10 + n}/32"])
            for iface, address in ((cls.a, "10.216.0.1/24"), (cls.b, "10.216.0.2/24")):
                iface.up()
                iface.add_address(address)
            cls.net.connect(cls.a, cls.b, "10.216.0.1", "10.216.0.2", "10.215.0.2")

            cls.clients = os.path.join(cls.net.workdir, "clients")
            os.mkdir(cls.clients, 0o700)
            cls.write_client("bob.conf", f"# Client: Bob Laptop (7)\n[Peer]\n"
                                         f"PublicKey = {cls.b.public_key}\n")
            cls.write_client("guest.conf", f"### begin guest-1 ###\n[Peer]\n"
                                           f"PublicKey = {cls.guest}\n### end guest-1 ###\n")
            cls.write_client("carol.conf", "[Peer]\n# friendly_name = carol\n"
                                           '# friendly_json = {"owner": "carol", "seat": 12}\n'
                                           f"PublicKey = {cls.labelled}\n")
            config = {
                "defaults": {"exclude_peers": [cls.by_key]},
                "discover": False,
                "interfaces": [{
                    "name": cls.a.name,
                    "labels": {"site": "e2e"},
                    "wg_quick_config": os.path.join(cls.clients, "*.conf"),
                    "exclude_peers": ["guest-*"],
                }],
            }
            cls.config_path = os.path.join(cls.net.workdir, "cfg.yml")
            wgnet.write_file_atomically(cls.config_path, wgnet.yaml_dump(config) + "\n")
            cls.exporter = wgnet.Exporter(cls.net.workdir, config_file=cls.config_path).start()
        except BaseException:
            cls.net.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if getattr(cls, "exporter", None) is not None:
                cls.exporter.stop()
        finally:
            cls.net.close()

    @classmethod
    def write_client(cls, name, text):
        path = os.path.join(cls.clients, name)
        wgnet.write_file_atomically(path, text)

    def online(self, scrape):
        return {s.labels["public_key"]: s for s in
                scrape.find("wireguard_peer_online", interface=self.a.name)}

    def test_1_names_labels_and_exclusions(self):
        scrape = self.exporter.scrape()
        peers = self.online(scrape)
        self.assertEqual(peers[self.b.public_key].labels["name"], "Bob Laptop")
        self.assertEqual(peers[self.b.public_key].value, 1)
        carol = peers[self.labelled].labels
        self.assertEqual((carol["name"], carol["owner"], carol["seat"], carol["site"]),
                         ("carol", "carol", "12", "e2e"))
        self.assertNotIn(self.guest, peers, "excluded by its name")
        self.assertNotIn(self.by_key, peers, "excluded by its key")
        self.assertEqual(peers[self.later].labels["name"], "")
        self.assertEqual(scrape.value("wireguard_interface_peers", interface=self.a.name), 3)
        self.assertEqual(scrape.value("wireguard_interface_info", interface=self.a.name,
                                      protocol="wireguard"), 1)

    def test_2_a_new_client_file_is_read_on_the_next_scrape(self):
        self.write_client("dave.conf", f"[Peer]\n# Name = dave\nPublicKey = {self.later}\n")
        wgnet.wait_until(
            lambda: self.online(self.exporter.scrape())[self.later].labels["name"] == "dave",
            timeout=10, what="the new client file's name")
        self.assertEqual(self.exporter.scrape().value(
            "wireguard_exporter_config_last_reload_successful"), 1)


if __name__ == "__main__":
    unittest.main()
