"""Ending child processes the same way everywhere: SIGTERM, a bounded wait,
then SIGKILL, so no test or benchmark leaves one running or hangs on one.

Only the Python 3 standard library is used.
"""

import subprocess
import time

# SIGKILL cannot be refused: a process still there this long after it is stuck
# in the kernel, and an error is better than a caller stuck with it.
_AFTER_KILL_SECONDS = 10


def _reap(process, timeout):
    """Waits for a process already sent SIGTERM; kills it after `timeout`."""
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(_AFTER_KILL_SECONDS)
        return None


def stop(process, timeout=10):
    """Ends `process` (a subprocess.Popen, or None) and reaps it.

    Returns its exit code, or None when it did not end within `timeout`
    seconds of SIGTERM and had to be killed.
    """
    if process is None:
        return None
    code = process.poll()
    if code is not None:
        return code
    process.terminate()
    return _reap(process, timeout)


def stop_all(processes, timeout=10):
    """stop() for many at once: each gets SIGTERM before any is waited for,
    and all share one deadline. Returns their exit codes, in order."""
    processes = [p for p in processes if p is not None]
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    return [_reap(p, max(0.1, deadline - time.monotonic())) for p in processes]
