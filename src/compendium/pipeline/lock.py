"""One run at a time per results folder: an exclusive lock on ``<results_dir>/.lock``.

A second ``compendium run`` (or ``make report``) in the same checkout waits for the first to
finish, saying so, instead of rebuilding the same stage folders underneath it. ``make report``
takes the same lock once for all its stage commands (with the ``flock`` utility) and tells them
so through the environment variable :data:`HELD_BY_CALLER`, whose value is the lock file's path.
The lock is released by the operating system when the process ends, even when it is killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from compendium.errors import CompendiumError
from compendium.paths import display_path

LOCK_NAME = ".lock"
#: set by the Makefile to the absolute path of the lock it holds for its stage commands
HELD_BY_CALLER = "COMPENDIUM_RUN_LOCKED"
#: how long a second run waits for the first (seconds) before giving up
WAIT_SECONDS = 3600.0


@contextlib.contextmanager
def results_lock(
    results_dir: Path, log: Callable[[str], None] = print, wait_seconds: float = WAIT_SECONDS
) -> Iterator[None]:
    """Hold the exclusive lock of ``results_dir`` for the duration of the ``with`` block."""
    lock_path = results_dir / LOCK_NAME
    if os.environ.get(HELD_BY_CALLER) == str(lock_path.resolve()):
        yield
        return
    _check_places(results_dir, lock_path)
    try:
        results_dir.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole block
    except OSError as error:
        raise CompendiumError(
            f"{display_path(results_dir)}: cannot write stage outputs here "
            f"({error.strerror}); make it writable or set results_dir to another folder"
        ) from None
    with handle:
        if not _try_lock(handle):
            handle.seek(0)
            holder = _holder(handle.read().strip())
            log(
                f"[compendium] another run is using {display_path(results_dir)} ({holder}); "
                "waiting for it to finish ..."
            )
            deadline = time.monotonic() + wait_seconds
            while not _try_lock(handle):
                if time.monotonic() > deadline:
                    raise CompendiumError(
                        f"{display_path(results_dir)}: still in use by {holder} after {wait_seconds:.0f} s; "
                        "nothing was changed. Try again when that run has finished."
                    )
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"compendium run, pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_places(results_dir: Path, lock_path: Path) -> None:
    """CompendiumError when the results folder or its lock file is something else (a file, a folder)."""
    for folder in (results_dir, *results_dir.parents):
        if folder.exists() and not folder.is_dir():
            raise CompendiumError(
                f"{display_path(folder)}: is a file, not a folder; expected the folder of the stage outputs "
                f"({display_path(results_dir)}): move the file away or set results_dir to another folder"
            )
    if lock_path.exists() and not lock_path.is_file():
        raise CompendiumError(
            f"{display_path(lock_path)}: is not a file; expected the lock file of the runs in "
            f"{display_path(results_dir)}: remove it (it is made again by the next run)"
        )


def _holder(recorded: str) -> str:
    """Who holds the lock, from what the lock file records (``compendium run, pid N``): a recorded
    process that has ended is not the holder (``make report`` holds the lock without recording itself)."""
    pid = recorded.rsplit("pid ", 1)[-1] if "pid " in recorded else ""
    if not pid.isdigit():
        return recorded or "another process"
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return f"another process, such as make report (the last run recorded, pid {pid}, has ended)"
    except PermissionError:  # alive, owned by another user
        pass
    return recorded


def _try_lock(handle) -> bool:  # noqa: ANN001 - an open file
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
