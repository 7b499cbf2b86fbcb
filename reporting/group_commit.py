"""Reporters' writes that arrive together share one transaction.

Under load most of a filing's database cost is the transaction around its one INSERT, not
the INSERT: taking the writers' lock, BEGIN and COMMIT, the log frames of pages every
commit rewrites, and each connection re-reading pages another one changed. Measured with
`make bench`'s server: a second row in the same transaction adds about 0.3 ms of CPU, a
transaction about 0.7 ms more. So a writer that finds others waiting writes theirs too:
the first thread to arrive leads, runs every write queued by then in one transaction and
wakes their threads; writes that queue meanwhile form the next group, led by one of them.
A lone write costs what it did; nobody waits longer than the group before theirs.

A write that fails fails alone: the group is rolled back and each of its writes is run
again in a transaction of its own, so every caller gets its own outcome (an id collision
is retried by the caller, as before). Nothing about the group is kept: the rows carry no
order or time, and the log is checkpointed as for any reporter's write (write_traces).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from reporting.db import database
from reporting.write_traces import one_writer, reporter_write


class Write:
    __slots__ = ("run", "done", "stored", "error")

    def __init__(self, run: Callable[[], None]) -> None:
        self.run = run
        self.done = False  # its outcome is known: stored, or an error
        self.stored = False
        self.error: BaseException | None = None


class _Queue:
    """This process's writes waiting for a transaction, and whether one is leading."""

    def __init__(self) -> None:
        self.changed = threading.Condition(threading.Lock())
        self.waiting: list[Write] = []
        self.leading = False


_QUEUE = _Queue()


def write_together(run: Callable[[], None]) -> None:
    """Run ``run`` (database writes only) in a reporter's transaction, shared with the
    writes other threads of this process submit at the same time; re-raises its error.

    Inside a caller's transaction (an import) ``run`` simply runs there.
    """
    if database.in_transaction():
        run()
        return
    # Each write is in flight from queueing to its outcome, so the last one of a burst
    # checkpoints the log (write_traces) and a group's end is not a burst's.
    with reporter_write():
        _write_in_group(Write(run))


def _write_in_group(mine: Write) -> None:
    queue = _QUEUE
    with queue.changed:
        queue.waiting.append(mine)
        while queue.leading and not mine.done:
            queue.changed.wait()
        if not mine.done:  # nobody leads and ours is still waiting: lead the next group
            queue.leading = True
            group, queue.waiting = queue.waiting, []
    if not mine.done:
        try:
            commit_group(group)
        finally:
            with queue.changed:
                queue.leading = False
                queue.changed.notify_all()
    if mine.error is not None:
        raise mine.error


def commit_group(group: list[Write]) -> None:
    """Run the group's writes in one transaction, or each in its own if that fails; marks
    every write done, stored or with its error. (Also the writer process's commit.)"""
    try:
        try:
            _transaction(group)
        except Exception as error:
            if len(group) == 1:
                group[0].error = error
                return
            for write in group:
                try:
                    _transaction([write])
                except Exception as own:  # noqa: BLE001 - handed to the write's caller
                    write.error = own
    finally:  # even when the leader is interrupted, no follower waits or thinks it stored
        for write in group:
            if not write.stored and write.error is None:
                write.error = RuntimeError("the transaction was interrupted; nothing was stored")
            write.done = True


def _transaction(group: list[Write]) -> None:
    with one_writer(), database.atomic():
        for write in group:
            write.run()
    for write in group:
        write.stored = True
