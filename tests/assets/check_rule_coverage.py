#!/usr/bin/env python3
"""Checks that the alert rules and their promtool unit tests go together.

Usage: check_rule_coverage.py RULES.yml RULES_TEST.yml

- every alert has a severity (critical or warning), a summary and a
  description; peer alerts name the interface and the peer (name, falling
  back to the public key), interface alerts the interface, all the instance;
- every alert has at least one unit-test evaluation where it fires and one
  where it is expected quiet (exp_alerts: []);
- the tests include a road-warrior peer (no required label) and a required
  peer that never completed a handshake (+Inf age).

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
    out = []
    for m in re.finditer(r"(?m)^\s*alertname:\s*(\S+)\s*\n\s*exp_alerts:\s*(\[\])?", text):
        out.append((m.group(1), m.group(2) is None))
    return out


def main(rules_path, tests_path):
    rules = open(rules_path, encoding="utf-8").read()
    tests = open(tests_path, encoding="utf-8").read()
    problems = []
    blocks = rule_blocks(rules)
    if not blocks:
        problems.append(f"{rules_path}: no alerts found")
    evaluations = test_evaluations(tests)
    for name, block in blocks.items():
        sev = re.search(r"severity:\s*(\S+)", block)
        if not sev or sev.group(1) not in ("critical", "warning"):
            problems.append(f"{name}: severity must be critical or warning")
        for key in ("summary", "description"):
            if not re.search(rf"(?m)^\s*{key}:", block):
                problems.append(f"{name}: no {key}")
        annotations = block.split("annotations:", 1)[-1]
        needed = []
        if "up{" not in block and "absent(" not in block and "wireguard_exporter_" not in block \
                and "scrape_duration_seconds" not in block:
            needed.append("$labels.interface")
        if "wireguard_peer_" in block:
            needed += ["$labels.name", "$labels.public_key"]
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
    for a, _ in evaluations:
        if a not in blocks:
            problems.append(f"tests evaluate unknown alert {a}")
    peer_series = re.findall(r"series:\s*'(wireguard_peer_online\{[^']*\})'", tests)
    if not any('required="true"' not in s for s in peer_series):
        problems.append("no road-warrior peer (wireguard_peer_online without required) in tests")
    if not re.search(r"wireguard_peer_last_handshake_age_seconds\{[^']*required=\"true\"[^']*\}'"
                     r"\s*\n\s*values:\s*'\+Inf", tests):
        problems.append("no required peer that never shook hands (+Inf age) in tests")
    for p in problems:
        print("FAIL", p)
    print(f"{len(blocks)} alerts, {len(evaluations)} evaluations, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
