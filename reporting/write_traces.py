"""Reporters' writes leave no record of when they happened in the database files.

In WAL mode the write-ahead log keeps commits in order, beside staff actions whose audit
entries carry exact times, and the files' modification times give the last write to the
millisecond. So after a reporter's commit the log is checkpointed and truncated, and the
database files get back the modification times they had before the write. (A checkpoint
that a concurrent reader holds back leaves frames until the next one; the daily batch's
rewrite clears them, see review/batches.py.) PostgreSQL keeps no such files: nothing to do.

The checkpoint's fsync is the dearest step of filing (0.7 ms against 0.06 ms for the
commit itself), so concurrent reporter writes in one process share it: a write that ends
while others are still in flight leaves the checkpoint to the last of them, unless the
last checkpoint is older than ``GROUP_SECONDS``. At any moment the log therefore holds at
most the writes of the last quarter of a second, in the order they came, and never more
than the ones still being written; a copy taken between bursts holds none.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator

from peewee import SqliteDatabase

from reporting.db import database

GROUP_SECONDS = 0.25


class _Group:
    """The reporter writes in flight in this process, and the file times to put back."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.checkpointing = False  # a checkpoint is running (outside the lock)
        self.pending = False  # a write ended during it, so another one must follow
        self.times: dict[str, tuple[int, int]] = {}  # from before the first write of a burst
        self.checkpointed = time.monotonic()


_GROUP = _Group()


class _WriterLock:
    """Reporters' writes and checkpoints one at a time, across threads and processes.

    SQLite lets one writer in at a time and makes the others poll, sleeping 1, 2, 5, 10 …
    ms between tries; under load those sleeps, not the writes, set the latency. A blocking
    ``flock`` on a file beside the database wakes the next writer the moment the last one
    ends. (A thread lock first: ``flock`` does not exclude threads sharing the file.)
    """

    def __init__(self) -> None:
        self.thread_lock = threading.Lock()
        self.fds: dict[tuple[int, str], int] = {}

    def _fd(self, path: str) -> int:
        # By process too: a descriptor inherited across fork shares its lock with the
        # parent's, so each process opens the file for itself.
        key = (os.getpid(), path)
        fd = self.fds.get(key)
        if fd is None:
            fd = self.fds[key] = os.open(path + "-writer", os.O_RDWR | os.O_CREAT, 0o600)
        return fd

    @contextlib.contextmanager
    def held(self, path: str) -> Iterator[None]:
        with self.thread_lock:
            fd = self._fd(path)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


_WRITER = _WriterLock()


@contextlib.contextmanager
def one_writer() -> Iterator[None]:
    """Around a reporter's transaction: waits its turn without polling (see _WriterLock)."""
    target = database.obj
    if not isinstance(target, SqliteDatabase) or database.in_transaction():
        yield
        return
    with _WRITER.held(target.database):
        yield


def _file_times(path: str) -> dict[str, tuple[int, int]]:
    times = {}
    for name in (path, path + "-wal", path + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            found = os.stat(name)
            times[name] = (found.st_atime_ns, found.st_mtime_ns)
    return times


@contextlib.contextmanager
def reporter_write() -> Iterator[None]:
    """Around a write on a reporter's path (a filing, a reporter's answer)."""
    target = database.obj
    if not isinstance(target, SqliteDatabase) or database.in_transaction():
        yield  # inside a caller's transaction (an import): its commit comes later
        return
    group = _GROUP
    with group.lock:
        if group.in_flight == 0 and not group.checkpointing:
            group.times = _file_times(target.database)  # a new burst begins
        group.in_flight += 1
    try:
        yield
    finally:
        with group.lock:
            group.in_flight -= 1
            stale = time.monotonic() - group.checkpointed >= GROUP_SECONDS
            due = group.in_flight == 0 or stale
            if due and group.checkpointing:
                group.pending, due = True, False  # the running checkpoint goes round again
            elif due:
                group.checkpointing = True
        if due:
            _checkpoint(group)


def _checkpoint(group: _Group) -> None:
    """Truncate the log and put back the files' times from before the burst, and again if
    the last writes ended while it ran (their commits may have missed it).

    Outside the group's lock: the checkpoint waits for readers (SQLite's busy handler), and
    writers must not queue behind that wait.
    """
    again, done = True, False
    try:
        while again:
            with _WRITER.held(database.obj.database):
                database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            for name, times in group.times.items():
                with contextlib.suppress(FileNotFoundError):
                    os.utime(name, ns=times)
            with group.lock:
                # Go round again only for the last writes; writes still in flight will
                # checkpoint when they end.
                again = group.pending and group.in_flight == 0
                group.pending = False
                group.checkpointed = time.monotonic()
                if not again:
                    group.checkpointing = False
        done = True
    finally:
        if not done:  # an error: the next write to end checkpoints
            with group.lock:
                group.checkpointing = False
