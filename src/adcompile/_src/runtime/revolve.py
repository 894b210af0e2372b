"""Binomial checkpointing (Griewank's revolve) for loops whose gradient
stores snapshots instead of every step (``adcompile.checkpoint``).

A loop of ``steps`` trips is reversed one step at a time, last step first.
The forward sweep runs the loop once and saves the loop-carried values
before the steps in ``Schedule.taken`` (step 0 always); the backward sweep
then follows ``Schedule.backward()``, a stream of actions on those values:

- ``("advance", a, b)``: run steps ``a`` to ``b - 1`` as written;
- ``("snapshot", a, a)``: save the values (they are those before step a);
- ``("restore", a, a)``: load the last saved values (those before step a);
- ``("drop", a, a)``: forget the last saved values;
- ``("reverse", a, a + 1)``: run step a recording what its adjoint needs,
  then run its adjoint.

Invariant: steps are reversed in the order ``steps - 1, ..., 0``, each
exactly once; every ``advance`` and ``reverse`` starts from the values
before its first step (those the last ``restore``, ``snapshot`` or
``advance`` left), and at most ``snapshots`` values are saved at once. The
split of each range follows the binomial rule, so the number of steps run
again is the least possible for that many snapshots (Griewank and Walther,
Algorithm 799, ACM TOMS 26(1), 2000).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from adcompile._src.errors import CheckpointError


class _Schedule:
    """The schedule of one run of a checkpointed loop (see the module)."""

    __slots__ = ("steps", "snapshots", "taken")

    def __init__(self, steps: int, snapshots: int) -> None:
        self.steps = steps
        self.snapshots = snapshots
        taken = set()
        if steps:
            taken.add(0)
            for action, start, _ in _actions(steps, snapshots):
                if action == "reverse":
                    break
                if action == "snapshot":
                    taken.add(start)
        self.taken = frozenset(taken)

    def backward(self) -> Iterator[tuple[str, int, int]]:
        """The actions after the forward sweep ran every step, saving the
        values before each step of ``taken``."""
        actions = _actions(self.steps, self.snapshots)
        for action, start, stop in actions:
            if action == "reverse":  # the first step reversed: from the last
                last = max(self.taken)  # values the forward sweep saved
                yield ("restore", last, last)
                if last < start:
                    yield ("advance", last, start)
                yield (action, start, stop)
                break
        yield from actions


def revolve(steps: int, snapshots: int | None = None) -> _Schedule:
    """The revolve schedule of a loop of ``steps`` trips that may keep
    ``snapshots`` sets of its loop-carried values at once (the values before
    step 0 among them); None: the square root of ``steps``, rounded up."""
    if snapshots is None:
        snapshots = max(1, math.isqrt(max(steps - 1, 0)) + 1)
    if isinstance(snapshots, bool) or not isinstance(snapshots, int):
        if not hasattr(snapshots, "__index__"):
            raise CheckpointError(
                f"adcompile.checkpoint(..., snapshots={snapshots!r}): the number "
                "of snapshots must be an integer",
                "pass a positive int, such as snapshots=20",
            )
        snapshots = int(snapshots)
    if snapshots < 1:
        raise CheckpointError(
            f"adcompile.checkpoint(..., snapshots={snapshots}): a checkpointed "
            "loop needs at least one snapshot (the values before its first step)",
            "pass snapshots=1 or more",
        )
    return _Schedule(int(steps), snapshots)


def _binomial(snapshots: int, repeats: int) -> int:
    """The most steps ``snapshots`` snapshots reverse with each step run
    again at most ``repeats`` times: C(snapshots + repeats, snapshots)."""
    return math.comb(snapshots + repeats, snapshots)


def _split(length: int, snapshots: int) -> int:
    """Where revolve takes the next snapshot, counted from the start of a
    range of ``length`` steps (``length`` >= 2) reversed with ``snapshots``
    snapshots (its start's among them): if the whole range needs each step
    run again up to ``repeats`` times, the right part (one snapshot less)
    needs ``repeats`` and the left part ``repeats - 1``, the least in all."""
    repeats = 1
    while _binomial(snapshots, repeats) < length:
        repeats += 1
    left = length - _binomial(snapshots - 1, repeats)
    if repeats >= 2:
        left = max(left, _binomial(snapshots, repeats - 2))
    return min(max(left, 1), length - 1)


def _actions(steps: int, snapshots: int) -> Iterator[tuple[str, int, int]]:
    """The whole schedule, from the values before step 0 (saved) onwards.

    Each frame ``[start, end, free]`` is a range still to reverse whose start
    values are the last saved ones, with ``free`` more snapshots to use.
    """
    if steps <= 0:
        return
    frames = [[0, steps, snapshots - 1]]
    while frames:
        frame = frames[-1]
        start, end, free = frame
        if end - start == 1:
            yield ("reverse", start, end)
            frames.pop()
            if frames:  # this range's start was its parent's snapshot
                parent = frames[-1]
                yield ("drop", start, start)
                yield ("restore", parent[0], parent[0])
                parent[1] = start
            continue
        if free == 0:  # no snapshot left: run again from the start each time
            yield ("advance", start, end - 1)
            yield ("reverse", end - 1, end)
            yield ("restore", start, start)
            frame[1] = end - 1
            continue
        middle = start + _split(end - start, free + 1)
        yield ("advance", start, middle)
        yield ("snapshot", middle, middle)
        frames.append([middle, end, free - 1])


__all__ = ["revolve"]
