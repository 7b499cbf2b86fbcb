"""The workers' place in the kernel's scheduler: batch, so a waking worker does not preempt.

Under load every filing wakes threads in several processes: the worker that took the
request, the writer it waits for, and the worker again when the answer comes. Each wake-up
under the default policy may preempt a worker in the middle of scrubbing another narrative,
and the preempted one comes back to caches full of someone else's data (its scrubbing costs
three times as much under load as in a loop; docs/performance.md). ``SCHED_BATCH`` keeps
the fairness of the default policy but does not let a waking batch task preempt a running
one, so the workers finish what they hold before the next one runs. The writer keeps the
default policy: every filing waits for it, and it should run as soon as a row arrives.

Linux only, and no privilege needed; where the policy is missing the workers keep the
default. ``REPORTING_BATCH_WORKERS=false`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether REPORTING_BATCH_WORKERS (default true) asks for batch workers."""
    return environ.get("REPORTING_BATCH_WORKERS", "true").strip().lower() not in (
        "0",
        "false",
        "no",
        "off",
    )


def make_batch() -> bool:
    """Put the calling process (its thread, and the threads it starts later) under
    SCHED_BATCH; False where the platform has no such policy or refuses it."""
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None or not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError:
        return False
    return True
