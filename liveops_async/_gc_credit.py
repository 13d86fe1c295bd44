"""Pacing of the cyclic garbage collector across the pool gate's hand-offs.

CPython starts a young-generation collection once the objects it tracks (containers, class
instances) allocated since the last one outnumber those freed by more than the first
threshold (`gc.get_threshold()[0]`, 700 by default). Its counter never drops below zero, so
frees counted while it stands at zero are lost. Calls queued at the `PoolGate` move in waves:
one loop iteration reads many answers, and those calls free their objects (the counter falls to
zero and stays there); the slots they free wake as many queued calls, which run in the next
iteration and each allocate their request's objects (aiohttp's request, response, streams and
timers), none of them offset. With 128 calls on a pool of 100 that is a young collection every
~20 calls, about six times as many as when nobody queues. Each collection moves the objects of
the calls in flight to an older generation, and those promotions bring full collections of the
whole heap (~12 ms each in the benchmark, far more in a large application), which are both CPU
and stalls of the event loop.

A hand-off therefore carries a credit: when the counter is below an eighth of the threshold,
the releasing call (running in the iteration that frees) allocates as many small objects as
bring it up to there, and the woken call drops them when it resumes (in the iteration that
allocates). Frees then meet a counter above zero and count, and the woken call's allocations
are offset by the credit's frees: the counter no longer climbs wave after wave. Nothing is
allocated when nobody queues, when the counter is high enough, or when the collector is off.
The eighth keeps every credit far below the threshold (a floor near it would make collections
by itself) and follows a threshold the application sets. Measured in bench/analysis.md.
"""

from __future__ import annotations

import gc
from itertools import repeat

__all__ = ["Credit", "collector_credit"]

_count = gc.get_count
_threshold = gc.get_threshold
_enabled = gc.isenabled
_new = object.__new__


class _Credit:
    """One unit of credit: a class instance, which the collector counts when it is allocated and
    again when it is freed (lists and tuples come from free lists, uncounted, when freed)."""

    __slots__ = ()


Credit = list[_Credit] | None  # what a hand-off carries


def collector_credit() -> Credit:
    """Objects that bring the collector's young count up to an eighth of its threshold, to be
    held until the woken call resumes; None when the count is there already or the collector
    is disabled."""
    if not _enabled():
        return None
    short = (_threshold()[0] >> 3) - _count()[0]
    if short <= 0:
        return None
    return list(map(_new, repeat(_Credit, short)))  # ~45 ns an object, made and freed
