"""Worker processes that do not outlive the process that started them.

A ``ProcessPoolExecutor``'s workers wait for work on a pipe; when their
parent is killed outright (SIGKILL, the OOM killer, a CI job cancelled), no
one closes it, and they wait for ever. On Linux each worker asks the kernel
for SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and exits at
once if the parent is already gone.

>>> with worker_pool(2) as pool:
...     sorted(pool.map(abs, [-2, 1]))
[1, 2]
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` whose workers end with this process."""
    return ProcessPoolExecutor(workers, initializer=_die_with_parent, initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):  # no prctl in this libc: the pipe's end is all there is
            return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
