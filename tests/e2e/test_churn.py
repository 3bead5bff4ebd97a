"""End to end: many interfaces changing while several clients scrape without pause.

This is the situation a background status thread once failed in (a
configuration added while it iterated the interface list; every new peer showed
offline until restart). Here the exporter must follow every change within two
scrapes, never fail a scrape, never mix two configurations in one answer, and
never restart.

Layout: namespace L holds 30 (later 36) wireguard-go interfaces, each with its
own key and listen port and one peer: the single wireguard-go interface r0 in
namespace R, which has one peer per local interface. Every pair completes a
real handshake.

The configuration names every peer with a generation suffix ("...-gen3"), sets
a `gen` label and a generation-specific online threshold on every listed
interface, so one scrape that mixes two snapshots shows up as two generations.
"""

import os
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402

INITIAL = 30
ADDED = 6
SCRAPERS = 4
DISCOVERED_ONLY = 3  # of the initial ones, not listed in the YAML: deleted later
GEN_RE = re.compile(r"-gen(\d+)$")


def threshold_seconds(generation):
    return 170 + generation


class ScrapeRecord:
    """What the checks need from one scrape, kept small."""

    __slots__ = ("thread", "start", "end", "error", "up", "online", "names", "generations",
                 "thresholds", "interfaces")

    def __init__(self, thread, start):
        self.thread = thread
        self.start = start
        self.end = None
        self.error = None


def summarize(record, scrape):
    record.up = scrape.interfaces("wireguard_interface_up")
    record.thresholds = scrape.interfaces("wireguard_interface_online_threshold_seconds")
    record.online = {}
    record.names = {}
    for sample in scrape.find("wireguard_peer_online"):
        key = (sample.labels["interface"], sample.labels["public_key"])
        record.online[key] = sample.value
        record.names[key] = sample.labels["name"]
    record.interfaces = scrape.label_values("interface")
    generations = set()
    for sample in scrape.samples:
        if "gen" in sample.labels:
            generations.add(int(sample.labels["gen"]))
        match = GEN_RE.search(sample.labels.get("name", ""))
        if match:
            generations.add(int(match.group(1)))
    record.generations = generations


class ChurnEndToEnd(unittest.TestCase):

    def setUp(self):
        self.started = time.monotonic()
        wgnet.raise_inotify_limit(1024)
        self.net = wgnet.Network("h")
        self.addCleanup(self.net.close)
        self.ns_l = self.net.namespace("nl")
        self.ns_r = self.net.namespace("nr")
        self.net.veth(self.ns_l, self.ns_r, "10.213.0.1/24", "10.213.0.2/24")
        self.remote = self.net.wg_interface(self.ns_r, "r0")
        self.remote.set_identity(wgnet.Keypair.generate(), 51820)
        self.remote.up()
        self.locals = {}  # name -> WgInterface, every local ever made
        self.listed = []  # local names the YAML lists, in order
        self.ready_at = {}  # name -> monotonic time its handshake was seen
        self.gone_from = {}  # name -> monotonic time it began to be deleted/killed
        for index in range(INITIAL):
            self.add_local(index)
        self.listed = [f"{self.net.base}l{i:02d}" for i in range(INITIAL - DISCOVERED_ONLY)]
        self.generation = 0
        self.config_path = os.path.join(self.net.workdir, "churn.yml")
        self.write_config(1)
        self.exporter = wgnet.Exporter(self.net.workdir, config_file=self.config_path,
                                       log_level="info")
        self.exporter.keep_bodies = False  # thousands of scrapes
        self.exporter.start()
        self.addCleanup(self.exporter.stop)
        print(f"\nsetup of {INITIAL} handshaking interfaces took "
              f"{time.monotonic() - self.started:.1f} s", flush=True)

    def add_local(self, index):
        iface = self.net.wg_interface(self.ns_l, f"l{index:02d}")
        iface.set_identity(wgnet.Keypair.generate(), 52000 + index)
        iface.up()
        self.net.connect(iface, self.remote, f"10.214.0.{index + 1}", "10.214.1.1", "10.213.0.2")
        self.locals[iface.name] = iface
        self.ready_at[iface.name] = time.monotonic()
        return iface

    def write_config(self, generation):
        locals_listed = [self.locals[name] for name in self.listed]
        config = {
            "discover": True,
            "exclude": wgnet.exclude_all_but(self.net.base),
            "interfaces": [
                {"name": iface.name,
                 "online_threshold": f"{threshold_seconds(generation)}s",
                 "labels": {"gen": str(generation)},
                 "peers": [{"public_key": self.remote.public_key,
                            "name": f"{iface.name}-r-gen{generation}"}]}
                for iface in locals_listed
            ] + [
                {"name": self.remote.name,
                 "online_threshold": f"{threshold_seconds(generation)}s",
                 "labels": {"gen": str(generation)},
                 "peers": [{"public_key": iface.public_key,
                            "name": f"{iface.name}-gen{generation}"}
                           for iface in locals_listed]},
            ],
        }
        wgnet.write_file_atomically(self.config_path, wgnet.yaml_dump(config) + "\n")
        self.generation = generation

    # ------------------------------------------------------------------ scraping

    def scraper(self, thread, stop, records, lock):
        while not stop.is_set():
            record = ScrapeRecord(thread, time.monotonic())
            try:
                scrape = self.exporter.scrape(timeout=10)
                summarize(record, scrape)
            except Exception as err:  # recorded, reported as a failed scrape
                record.error = f"{type(err).__name__}: {err}"[:500]
            record.end = time.monotonic()
            with lock:
                records.append(record)

    # ------------------------------------------------------------------ the scenario

    def test_changes_under_concurrent_scrapes(self):
        stop = threading.Event()
        records, lock = [], threading.Lock()
        threads = [threading.Thread(target=self.scraper, args=(n, stop, records, lock),
                                    daemon=True) for n in range(SCRAPERS)]
        events = {}  # what -> monotonic time the change was complete
        pid = self.exporter.pid
        deadline = time.monotonic() + 120
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)
            added = [self.add_local(INITIAL + n).name for n in range(ADDED)]
            events["added"] = time.monotonic()
            time.sleep(0.7)
            self.exporter.signal(signal.SIGHUP)
            time.sleep(0.5)

            self.listed += added
            events["gen2-begin"] = time.monotonic()
            self.write_config(2)
            events["gen2"] = time.monotonic()
            time.sleep(1.0)

            deleted = [f"{self.net.base}l{i:02d}" for i in range(INITIAL - DISCOVERED_ONLY, INITIAL)]
            for name in deleted:
                self.gone_from[name] = time.monotonic()
                self.locals[name].delete()
                self.remote.wg("set", self.remote.name, "peer", self.locals[name].public_key,
                               "remove")
            events["deleted"] = time.monotonic()
            time.sleep(0.7)
            self.exporter.signal(signal.SIGHUP)
            time.sleep(0.5)

            killed = f"{self.net.base}l05"
            self.gone_from[killed] = time.monotonic()
            self.locals[killed].kill()
            events["killed"] = time.monotonic()
            time.sleep(1.0)

            events["gen3-begin"] = time.monotonic()
            self.write_config(3)
            events["gen3"] = time.monotonic()
            time.sleep(0.5)
            for _ in range(3):
                self.exporter.signal(signal.SIGHUP)
                time.sleep(0.3)
            events["gen4-begin"] = time.monotonic()
            self.write_config(4)
            events["gen4"] = time.monotonic()
            time.sleep(1.5)
            self.assertLess(time.monotonic(), deadline, "the scenario overran its time")
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        self.assertFalse(any(t.is_alive() for t in threads), "a scraper hung")

        failures = [r for r in records if r.error]
        per_thread = [sum(1 for r in records if r.thread == n) for n in range(SCRAPERS)]
        print(f"E2E-FIGURE churn: {len(records)} scrapes by {SCRAPERS} clients "
              f"({per_thread}), {len(failures)} failed, "
              f"{len(self.locals)} interfaces made, {len(deleted)} deleted, 1 killed, "
              f"test took {time.monotonic() - self.started:.1f} s", flush=True)
        self.assertEqual(failures[:5], [], "\n".join(r.error for r in failures[:5]))
        for n in range(SCRAPERS):
            self.assertGreaterEqual(per_thread[n], 20, "a client barely scraped")

        self.assertEqual(self.exporter.pid, pid)
        self.assertTrue(self.exporter.alive(), "the exporter died")

        records.sort(key=lambda r: r.start)
        self.check_every_scrape(records)
        self.check_added(records, added, events)
        self.check_generations(records, events)
        self.check_deleted(records, deleted, events)
        self.check_killed(records, killed, events)
        self.check_final_state(records, added, deleted, killed)

        self.assertEqual(self.exporter.stop(), 0, "unclean exit on SIGTERM")

    # ------------------------------------------------------------------ checks

    def after(self, records, moment):
        """Per client, the scrapes that started after `moment`, from the second
        one on (the first may still have been under way with the old state)."""
        result = []
        for n in range(SCRAPERS):
            mine = [r for r in records if r.thread == n and r.start > moment]
            self.assertGreaterEqual(len(mine), 2, f"client {n}: fewer than 2 scrapes after change")
            result += mine[1:]
        return result

    def check_every_scrape(self, records):
        for r in records:
            healthy = {name for name, ready in self.ready_at.items()
                       if ready < r.start and not (name in self.gone_from and
                                                   self.gone_from[name] < r.end)}
            healthy.add(self.remote.name)
            missing = {name for name in healthy if r.up.get(name) != 1}
            self.assertEqual(missing, set(), f"scrape at {r.start:.3f}: healthy interfaces "
                                             f"missing or down")
            self.assertLessEqual(len(r.generations), 1,
                                 f"one scrape mixed configurations {sorted(r.generations)}")
            if r.generations:
                (gen,) = r.generations
                for name in self.listed_at(gen):
                    if name in r.thresholds:
                        self.assertEqual(r.thresholds[name], threshold_seconds(gen),
                                         f"{name}: threshold of another generation")
            foreign = {name for name in r.interfaces if not name.startswith(self.net.base)}
            self.assertEqual(foreign, set())

    def listed_at(self, generation):
        initial = [f"{self.net.base}l{i:02d}" for i in range(INITIAL - DISCOVERED_ONLY)]
        if generation == 1:
            return initial + [self.remote.name]
        return self.listed + [self.remote.name]

    def check_added(self, records, added, events):
        for name in added:
            iface = self.locals[name]
            for r in self.after(records, self.ready_at[name]):
                with self.subTest(check="added", interface=name, at=r.start):
                    self.assertEqual(r.up.get(name), 1)
                    self.assertEqual(r.online.get((name, self.remote.public_key)), 1)
                    self.assertEqual(r.online.get((self.remote.name, iface.public_key)), 1)

    def check_generations(self, records, events):
        for r in records:
            if r.end < events["gen2"]:
                self.assertEqual(r.generations, {1})
        changes = [("gen2", 2), ("gen3", 3), ("gen4", 4)]
        for index, (event, gen) in enumerate(changes):
            # Up to the moment the next edit began to be written.
            until = (events[changes[index + 1][0] + "-begin"] if index + 1 < len(changes)
                     else float("inf"))
            checked = [r for r in self.after(records, events[event]) if r.end < until]
            self.assertTrue(checked, f"no scrape checked for {event}")
            for r in checked:
                with self.subTest(check=event, at=r.start):
                    self.assertEqual(r.generations, {gen})
                    for name in self.listed:
                        if name in self.gone_from and self.gone_from[name] < r.end:
                            continue
                        iface = self.locals[name]
                        self.assertEqual(r.names.get((name, self.remote.public_key)),
                                         f"{name}-r-gen{gen}")
                        self.assertEqual(r.names.get((self.remote.name, iface.public_key)),
                                         f"{name}-gen{gen}")
                        self.assertEqual(r.online.get((name, self.remote.public_key)), 1)

    def check_deleted(self, records, deleted, events):
        deleted_keys = {self.locals[name].public_key for name in deleted}
        for r in self.after(records, events["deleted"]):
            with self.subTest(check="deleted", at=r.start):
                self.assertEqual(set(deleted) & r.interfaces, set(), "stale interface series")
                self.assertEqual({key for (_, key) in r.online} & deleted_keys, set(),
                                 "stale peer series")

    def check_killed(self, records, killed, events):
        for r in self.after(records, events["killed"]):
            with self.subTest(check="killed", at=r.start):
                self.assertEqual(r.up.get(killed), 0)
                self.assertEqual([key for key in r.online if key[0] == killed], [])

    def check_final_state(self, records, added, deleted, killed):
        last = [r for r in records if r.thread == 0][-1]
        live = [name for name in self.locals if name not in deleted and name != killed]
        self.assertEqual(len(live), INITIAL + ADDED - DISCOVERED_ONLY - 1)
        for name in live:
            self.assertEqual(last.up.get(name), 1, name)
            self.assertEqual(last.online.get((name, self.remote.public_key)), 1, name)
            self.assertEqual(last.online.get((self.remote.name, self.locals[name].public_key)),
                             1, name)
        self.assertEqual(last.generations, {4})


if __name__ == "__main__":
    unittest.main(verbosity=2)
