"""The harness's own pieces that need no network: exposition parser, exclude
patterns, YAML writer, name tags."""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402

NEEDS_NETWORK = False


class ExpositionParserTest(unittest.TestCase):

    def test_samples_labels_and_metadata(self):
        text = (
            '# HELP wireguard_peer_online 1 when the peer is online.\n'
            '# TYPE wireguard_peer_online gauge\n'
            'wireguard_peer_online{interface="wg0",public_key="a+b/c=",name=""} 1\n'
            'wireguard_peer_online{interface="wg0",public_key="x",name="bob",} 0\n'
            '# a plain comment\n'
            '\n'
            'up 1 1700000000000\n')
        samples, helps, types = wgnet.parse_exposition(text)
        self.assertEqual(helps, {"wireguard_peer_online": "1 when the peer is online."})
        self.assertEqual(types, {"wireguard_peer_online": "gauge"})
        self.assertEqual(samples[0], wgnet.Sample(
            "wireguard_peer_online", {"interface": "wg0", "public_key": "a+b/c=", "name": ""}, 1))
        self.assertEqual(samples[1].labels["name"], "bob")
        self.assertEqual(samples[2], wgnet.Sample("up", {}, 1))

    def test_escapes(self):
        text = ('# HELP m a \\\\ b \\n c\n'
                'm{l="quote \\" back \\\\ nl \\n, comma } brace"} 2\n')
        samples, helps, _ = wgnet.parse_exposition(text)
        self.assertEqual(helps["m"], "a \\ b \n c")
        self.assertEqual(samples[0].labels["l"], 'quote " back \\ nl \n, comma } brace')

    def test_special_and_exponent_values(self):
        text = "a +Inf\nb -Inf\nc NaN\nd 1.5e-07\ne -2\nf 3.\ng .5E+3\n"
        values = [s.value for s in wgnet.parse_exposition(text)[0]]
        self.assertTrue(wgnet.is_inf(values[0]))
        self.assertEqual(values[1], -math.inf)
        self.assertTrue(math.isnan(values[2]))
        self.assertEqual(values[3:], [1.5e-07, -2, 3.0, 500.0])

    def test_rejects_malformed(self):
        for bad in ('m{l="unterminated} 1\n', "m 1_000\n", "m\n", "m{l=\"a\" x=\"b\"} 1\n",
                    'm{l="bad \\t escape"} 1\n', "9m 1\n", "m 1", "m infinity\n",
                    'm{l="a",l="b"} 1\n', "# TYPE m gauge\n# TYPE m gauge\n",
                    "# TYPE m sometype\n", "m 1 2 3\n"):
            with self.subTest(bad=bad):
                with self.assertRaises(wgnet.ExpositionError):
                    wgnet.parse_exposition(bad)

    def test_scrape_lookup(self):
        scrape = wgnet.Scrape('x{interface="a",k="1"} 1\nx{interface="b",k="2"} 0\n')
        self.assertEqual(scrape.value("x", interface="b"), 0)
        self.assertEqual(scrape.interfaces("x"), {"a": 1, "b": 0})
        with self.assertRaises(AssertionError):
            scrape.value("x")


class HelpersTest(unittest.TestCase):

    def test_exclude_all_but_prefix(self):
        patterns = wgnet.exclude_all_but("wge0x3k")
        for kept in ("wge0x3k", "wge0x3ka0", "wge0x3kl35"):
            self.assertFalse(wgnet.glob_matches(patterns, kept), kept)
        for dropped in ("wg0", "wgua1", "wge", "wge0x3", "wge0x3j", "eth0", "w", "wge1x3ka0",
                        "xwge0x3k"):
            self.assertTrue(wgnet.glob_matches(patterns, dropped), dropped)

    def test_pid_tag_round_trip(self):
        for pid in (1, 35, 36, 4194304, 123456):
            tag = wgnet._pid_tag(pid)
            self.assertEqual(len(tag), 5)
            self.assertEqual(wgnet._pid_from_tag(tag), pid)

    def test_yaml_dump(self):
        text = wgnet.yaml_dump({
            "discover": True, "exclude": ["[!w]*"],
            "interfaces": [{"name": "wg0", "labels": {"site": "x"},
                            "peers": [{"public_key": "k=", "name": "a\"b"}]},
                           {"name": "wg1", "peers": []}]})
        self.assertEqual(text, "\n".join([
            'discover: true',
            'exclude:',
            '  - "[!w]*"',
            'interfaces:',
            '  - name: "wg0"',
            '    labels:',
            '      site: "x"',
            '    peers:',
            '      - public_key: "k="',
            '        name: "a\\"b"',
            '  - name: "wg1"',
            '    peers: []']))

    def test_key_hex(self):
        key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
        self.assertEqual(wgnet.key_hex(key), bytes(range(1, 33)).hex())
        self.assertEqual(len(wgnet.random_key()), 44)


if __name__ == "__main__":
    unittest.main(verbosity=2)
