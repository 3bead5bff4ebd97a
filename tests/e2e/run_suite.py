"""Runs one end-to-end suite for ctest.

Exit codes: 0 all passed, 1 something failed, 77 skipped because the machine
cannot run it (not root, or wireguard-go / wg / ip missing); ctest reports 77
as skipped rather than passed.
"""

import importlib.util
import os
import shutil
import sys
import unittest


def main():
    path = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if getattr(module, "NEEDS_NETWORK", True):
        missing = [tool for tool in ("ip", "wg", "wireguard-go") if shutil.which(tool) is None]
        if os.geteuid() != 0 or missing:
            print(f"skipped: needs root and {', '.join(missing) or 'network namespaces'}")
            return 77
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
