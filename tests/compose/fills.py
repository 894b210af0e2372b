"""Helpers that fill what they are given, and the calls that hand them a
buffer or an array the caller reads again.

``fill3(out, z, k)`` writes values computed from ``z`` into ``out`` (an item,
a slice, an augmented item, the whole array scaled), in straight-line code,
under a branch or in a loop, and returns nothing or a number. The entry
function hands it a buffer it made (``buf = np.zeros(3)``), one of its own
arrays, or an array parameter written in place, as a statement or inside an
expression, and reads the array after the call: in Python it sees the
write, so the gradient must too (``normal/write_back.py``).
"""

from __future__ import annotations

from tests.compose.expressions import Fn, Scope
from tests.compose.statements import Statements


class Fills(Statements):
    """Mixed into the generator, which keeps ``self.fillers``."""

    fillers: list[tuple[str, bool]]  # (name, returns a number)

    def filler(self, number: int) -> list[str]:
        """The definition of ``fill{number}(out, z, k)``."""
        name = f"fill{number}"
        sc = Scope()
        sc.vars["z"] = "v"
        sc.ints["k"] = 3
        writes = [self._fill_write(sc) for _ in range(self.r.randint(1, 3))]
        shape = self.r.randrange(3)
        if shape == 1:  # under a branch
            self.tags.add("fill_in_branch")
            body = [f"if {self.cond(sc)}:"] + ["    " + w for w in writes]
        elif shape == 2:  # in a loop over the items
            self.tags.add("fill_in_loop")
            sc.ints["i"] = 3
            body = ["for i in range(3):"] + [
                "    " + w.replace("[k]", "[i]") for w in writes
            ]
        else:
            body = writes
        returns = self.chance(0.5)
        if returns:
            body.append(f"return np.sum(out * {self.value(sc, 'v', 1)})")
        self.fillers.append((name, returns))
        return [f"def {name}(out, z, k):"] + ["    " + line for line in body]

    def _fill_write(self, sc: Scope) -> str:
        value = self.value(sc, "s", 1)
        form = self.r.randrange(4)
        if form == 0:
            return f"out[k] = {value}"
        if form == 1:
            return f"out[(k + 1) % 3] += 0.5 * np.tanh({value})"
        if form == 2:
            return "out[1:] = 0.5 * out[1:] + 0.5 * np.tanh(z[:2])"
        self.tags.add("fill_augmented")
        return f"out *= np.cos({value})"

    def st_fill(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """A call of a filler on a buffer made here or an array read again."""
        name, returns = self.pick(self.fillers)
        own = sorted(n for n in sc.vars if sc.vars[n] == "v" and sc.can_write(n))
        lines = []
        if own and self.chance(0.5):
            self.tags.add("fill_own_array")
            buf = self.pick(own)
        else:
            self.tags.add("fill_buffer")
            buf = self.fresh("buf")
            start = self.pick(["np.zeros(3)", "np.ones(3)"])
            lines.append(f"{buf} = {start}")
            self.bind(sc, buf, "v")
            sc.writable.add(buf)
        call = f"{name}({buf}, {self.value(sc, 'v', 2)}, {self.index(sc, 3)})"
        if returns and self.chance(0.5):
            self.tags.add("fill_in_expression")
            target, existed = self.target(sc, "s")
            lines.append(
                f"{target} = {'0.5 * ' + target + ' + ' if existed else ''}{call}"
            )
            self.bind(sc, target, "s")
        else:
            lines.append(call)
        return lines
