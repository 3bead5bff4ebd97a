"""Parses OpenMetrics files with Debian's python3-prometheus-client parser.

Usage: check_openmetrics.py FILE...  Exit 0 when every file parses and ends
with # EOF, 1 otherwise (with the parser's message).
"""

import os
import sys


def import_parser():
    try:
        from prometheus_client.openmetrics import parser
    except ImportError:
        # ctest's interpreter may be another Python 3 than Debian's.
        sys.path.append("/usr/lib/python3/dist-packages")
        from prometheus_client.openmetrics import parser
    return parser


def main(paths):
    parser = import_parser()
    failed = False
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            families = list(parser.text_string_to_metric_families(text))
        except ValueError as err:
            print(f"{path}: rejected: {err}")
            failed = True
            continue
        samples = sum(len(f.samples) for f in families)
        print(f"{os.path.basename(path)}: {len(families)} families, {samples} samples")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
