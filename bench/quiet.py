"""Timing on a shared machine: wait for an uncontended core before each measurement.

Problem: the project's 2-core machines are virtual, and their cores' speed is not theirs
alone: for seconds at a time a neighbour on the same physical core halves it. Measured
with the probe below over one minute, 23% of the probes ran ≥ 1.4× slower than the
fastest tenth on one occasion, 71% on another, in stretches of seconds. A benchmark of
millisecond solves then measures the neighbour: the same code on the same cases read
1.2 ms in one run and 1.9 ms in the next.

Rule: `Gate.wait()` times a fixed piece of pure-Python work (the probe, ≈ 1 ms); while it
runs more than `SLACK` × slower than the fastest probe seen so far, it sleeps and probes
again, for at most `patience` seconds (and at most `budget` seconds over the whole run).
Every timing in a benchmark is taken right after a `wait()`, the engine's and its
baseline's alike, so both are measured on a quiet core. When the core does not calm down
in time the timing is taken anyway and counted: `Gate.contended` is reported beside the
results, with the probe's fastest and median times, so a reader can tell how quiet the
run was.

Example: `gate = Gate(); gate.wait(); t = time.perf_counter(); work(); ...`
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

__all__ = ["SLACK", "Gate"]

SLACK = 1.25  # a probe this much slower than the fastest one means a contended core
_PROBE_LOOPS = 20_000


def probe() -> float:
    """Seconds for a fixed amount of interpreter work."""
    started = time.perf_counter()
    total = 0
    for i in range(_PROBE_LOOPS):
        total += i
    return time.perf_counter() - started


@dataclass
class Gate:
    patience: float = 5.0  # seconds to wait for a quiet core before timing anyway
    budget: float = 300.0  # seconds of waiting over the whole run, then no more waits
    fastest: float = float("inf")
    probes: list[float] = field(default_factory=list)
    waited: float = 0.0  # seconds spent waiting, over the run
    contended: int = 0  # timings taken on a core that never calmed down

    def calibrate(self, seconds: float = 10.0) -> None:
        """Probe for a while first: the fastest probe is the yardstick, and a run that
        starts on a contended core would otherwise take that speed for quiet."""
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.fastest = min(self.fastest, probe(), probe())
            time.sleep(0.05)

    def wait(self) -> None:
        started = time.perf_counter()
        while True:
            seconds = min(probe(), probe())  # one probe can be cut by a context switch
            self.probes.append(seconds)
            self.fastest = min(self.fastest, seconds)
            if seconds <= SLACK * self.fastest:
                break
            waiting = time.perf_counter() - started
            if waiting > self.patience or self.waited + waiting > self.budget:
                self.contended += 1
                break
            time.sleep(0.05)
        self.waited += time.perf_counter() - started

    def summary(self) -> str:
        if not self.probes:
            return "no probe taken"
        median = statistics.median(self.probes)
        return (
            f"probe fastest {self.fastest * 1e3:.2f} ms, median {median * 1e3:.2f} ms over "
            f"{len(self.probes)} probes; {self.waited:.0f} s spent waiting for a quiet core; "
            f"{self.contended} timings taken on a core still contended after "
            f"{self.patience:g} s (or once the {self.budget:g} s budget was spent)"
        )
