#!/usr/bin/env python3
"""Checks that the alert rules and their promtool unit tests go together.

Usage: check_rule_coverage.py RULES.yml RULES_TEST.yml

- every alert has a severity (critical or warning), a summary and a
  description; peer alerts name the interface and the peer (name, falling
  back to the public key), interface alerts the interface, namespace alerts
  the namespace, all the instance; interface and peer alerts name the
  namespace as well (it is empty for the exporter's own);
- every matching clause or grouping (on, ignoring, by, without) that names
  interface names netns too: an interface is (instance, netns, interface);
- every alert has at least one unit-test evaluation where it fires and one
  where it is expected quiet (exp_alerts: []); interface and peer alerts
  also one where the alert fires with a netns label;
- the tests include a road-warrior peer (no required label), a required
  peer that never completed a handshake (+Inf age), and an interface name
  in two namespaces (series of it with and without netns).

promtool itself checks that the expectations hold; this checks that they
exist. Plain-text parsing of the two files, which keeps to the layout they
are written in (Python standard library only).
"""

import re
import sys


def rule_blocks(text):
    """{alert name: text of its rule} from a Prometheus rule file."""
    blocks = {}
    parts = re.split(r"(?m)^\s*- alert:\s*", text)
    for part in parts[1:]:
        name = part.split("\n", 1)[0].strip()
        blocks[name] = part
    return blocks


def test_evaluations(text):
    """[(alertname, fires: bool)] from a promtool test file."""
    return [(name, fires) for name, fires, _ in test_evaluation_blocks(text)]


def test_evaluation_blocks(text):
    """[(alertname, fires: bool, text of its expected alerts)]."""
    out = []
    pattern = r"(?m)^\s*alertname:\s*(\S+)\s*\n\s*exp_alerts:\s*(\[\])?"
    matches = list(re.finditer(pattern, text))
    for m in matches:
        rest = text[m.end():]
        end = re.search(r"(?m)^\s*- (eval_time|name):", rest)
        out.append((m.group(1), m.group(2) is None, rest[:end.start()] if end else rest))
    return out


GROUPING_RE = re.compile(r"\b(on|ignoring|by|without)\s*\(([^)]*)\)")


def main(rules_path, tests_path):
    rules = open(rules_path, encoding="utf-8").read()
    tests = open(tests_path, encoding="utf-8").read()
    problems = []
    blocks = rule_blocks(rules)
    if not blocks:
        problems.append(f"{rules_path}: no alerts found")
    blocks_evaluated = test_evaluation_blocks(tests)
    evaluations = [(a, fires) for a, fires, _ in blocks_evaluated]
    for name, block in blocks.items():
        sev = re.search(r"severity:\s*(\S+)", block)
        if not sev or sev.group(1) not in ("critical", "warning"):
            problems.append(f"{name}: severity must be critical or warning")
        for key in ("summary", "description"):
            if not re.search(rf"(?m)^\s*{key}:", block):
                problems.append(f"{name}: no {key}")
        annotations = block.split("annotations:", 1)[-1]
        expr = block.split("labels:", 1)[0]
        per_interface = "wireguard_interface_" in expr or "wireguard_peer_" in expr
        needed = []
        if "wireguard_netns_" in expr:
            needed.append("$labels.netns")
        elif "up{" not in block and "absent(" not in block and "wireguard_exporter_" not in block \
                and "scrape_duration_seconds" not in block:
            needed.append("$labels.interface")
        if per_interface:
            needed.append("$labels.netns")
        if "wireguard_peer_" in block:
            needed += ["$labels.name", "$labels.public_key"]
        for m in GROUPING_RE.finditer(expr):
            labels = {label.strip() for label in m.group(2).split(",")}
            if "interface" in labels and "netns" not in labels:
                problems.append(f"{name}: {m.group(1)} ({m.group(2)}) names interface but not "
                                f"netns")
        if "absent(" not in block:
            needed.append("$labels.instance")
        for label in needed:
            for key in ("summary", "description"):
                section = re.search(rf"(?ms)^\s*{key}:(.*?)(?=^\s*\w+:|\Z)", annotations)
                if not section or label not in section.group(1):
                    problems.append(f"{name}: {key} does not mention {label}")
        if not any(a == name and fires for a, fires in evaluations):
            problems.append(f"{name}: no unit test where it fires")
        if not any(a == name and not fires for a, fires in evaluations):
            problems.append(f"{name}: no unit test where it stays quiet (exp_alerts: [])")
        if per_interface and not any(a == name and fires and re.search(r"\bnetns:", expected)
                                     for a, fires, expected in blocks_evaluated):
            problems.append(f"{name}: no unit test where it fires for another namespace "
                            f"(netns in exp_labels)")
    for a, _ in evaluations:
        if a not in blocks:
            problems.append(f"tests evaluate unknown alert {a}")
    peer_series = re.findall(r"series:\s*'(wireguard_peer_online\{[^']*\})'", tests)
    if not any('required="true"' not in s for s in peer_series):
        problems.append("no road-warrior peer (wireguard_peer_online without required) in tests")
    if not re.search(r"wireguard_peer_last_handshake_age_seconds\{[^']*required=\"true\"[^']*\}'"
                     r"\s*\n\s*values:\s*'\+Inf", tests):
        problems.append("no required peer that never shook hands (+Inf age) in tests")
    iface_series = re.findall(r"series:\s*'wireguard_(?:interface|peer)_\w+\{([^']*)\}'", tests)

    def where(labels):
        instance = re.search(r'instance="([^"]*)"', labels)
        interface = re.search(r'interface="([^"]*)"', labels)
        return (instance and instance.group(1), interface and interface.group(1))

    with_netns = {where(s) for s in iface_series if "netns=" in s}
    without_netns = {where(s) for s in iface_series if "netns=" not in s}
    if not with_netns & without_netns:
        problems.append("no interface name in two namespaces (the same instance and interface "
                        "with and without netns) in tests")
    for p in problems:
        print("FAIL", p)
    print(f"{len(blocks)} alerts, {len(evaluations)} evaluations, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
