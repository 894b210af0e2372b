"""Constructs the composed-program generator draws when ``extended``: objects
(a named tuple, a dataclass with methods, nested tuples) read by field,
helpers returning nested tuples and dicts, list joins, repeats, copies,
pops, inserts, extends, strict zips, iterators kept in variables,
``sorted``/``max`` of numbers, ``scipy.stats.norm``, ``np.fill_diagonal``
on a fresh matrix, writes through views and of call results, an unbatched
RNN loop summing its loss at every step, and a solver loop whose exit
depends on the residual."""

from __future__ import annotations

from tests.compose.expressions import OBJECTS, SQUASH, Fn, Helper, Scope, has_call
from tests.compose.statements import Statements

# the module header and classes of an extended program
HEADER = """import dataclasses
import math
from typing import NamedTuple

import numpy as np
import scipy.special
import scipy.stats
from scipy.stats import norm


class Pair(NamedTuple):
    w: np.ndarray
    c: float


@dataclasses.dataclass
class Lin:
    W: np.ndarray
    b: np.ndarray

    def apply(self, z):
        return np.tanh(self.W.T @ np.tanh(self.W @ z) + 0.5 * self.b)

    def energy(self, z):
        return 0.5 * np.sum(np.tanh(self.W @ z) ** 2) + 0.1 * np.dot(self.b, z)"""

EXTENDED_COMPOUND = ("lists", "rnn", "solver", "filldiag", "view")
# more of numpy, math and scipy.special (each of a bounded argument)
NUMPY = {
    "v": [
        "np.cumsum({0}) / 3.0",
        "np.concatenate([{0}[1:], {0}[:1]])",
        "np.roll(np.flip({0}), 1)",
        "np.where({0} > 0.0, {0}, 0.5 * {0})",
        "np.linalg.solve(2.0 * np.eye(3) + 0.2 * np.outer({0}, {0}), {0})",
        "scipy.special.expit({0})",
        "np.sqrt(1.0 + {0} ** 2)",
    ],
    "s": [  # the first four of a number, the others of an array
        "math.exp(-({0}) ** 2)",
        "np.logaddexp({0}, 0.3)",
        "math.sqrt(1.0 + ({0}) ** 2)",
        "np.std(np.array([{0}, 0.5, -0.3]))",
        "np.linalg.norm({0} + np.array([2.0, -2.0, 2.0]))",
        "np.prod(np.cos({0}))",
        "np.linalg.det(np.eye(2) + 0.3 * np.outer({0}[:2], {0}[1:]))",
    ],
}
STATS = [
    "norm.pdf({})",
    "norm.cdf({}, 0.2, 1.5)",
    "0.2 * norm.logpdf({}, loc=0.1, scale=2.0)",
    "scipy.stats.norm.cdf({})",
    "np.tanh(norm.logcdf({}))",
]


class Additions(Statements):
    """The extended constructs (expressions first, then statements)."""

    # ---- expressions -----------------------------------------------------

    def object_leaves(self, sc: Scope, t: str) -> list[str]:
        """Reads of the objects in scope giving a value of kind ``t``."""
        out: list[str] = []
        for kind in OBJECTS:
            for name in sc.names(kind):
                out += self.fields(sc, kind, name, t)
        return out

    def fields(self, sc: Scope, kind: str, name: str, t: str) -> list[str]:
        if kind == "q":
            return {"s": [f"{name}.c"], "v": [f"{name}.w", f"{name}[0]"]}.get(t, [])
        if kind == "tt":
            return {"s": [f"{name}[1][1]"], "v": [f"{name}[0]", f"{name}[1][0]"]}.get(
                t, []
            )
        if t == "m":
            return [f"{name}.W", f'getattr({name}, "W")']
        if t == "s":
            z = self.pick(sc.names("v")) if sc.names("v") else f"{name}.b"
            return [f"{name}.b[{self.r.randrange(3)}]", f"Lin.energy({name}, {z})"]
        if t == "v":
            z = self.pick(sc.names("v")) if sc.names("v") else f"{name}.b"
            return [f"{name}.b", f"Lin.apply({name}, {z})"]
        return []

    def special(self, sc: Scope, t: str, d: int, helpers: list[Helper]) -> str:
        """``scipy.stats.norm``, or another function of numpy, math or
        scipy.special, of an expression (bounded arguments)."""
        if self.chance(0.5):
            self.tags.add("stats_norm")
            e = self.expr(sc, t, d - 1, helpers)
            return self.pick(STATS).format(f"np.tanh({e})")
        self.tags.add("more_numpy")
        if t == "v":
            arg, form = "v", self.pick(NUMPY["v"])
        else:
            arg = self.pick(["s", "v"])
            form = self.pick(NUMPY["s"][:4] if arg == "s" else NUMPY["s"][4:])
        e = self.expr(sc, arg, d - 1, helpers)
        return form.format(f"np.tanh({e})")

    def order_statistic(self, sc: Scope, sub: int, helpers: list[Helper]) -> str:
        if self.chance(0.5):
            self.tags.add("sorted")
            v = self.expr(sc, "v", sub, helpers)
            return f"sorted(np.tanh({v}))[{self.r.randrange(3)}]"
        items = [self.expr(sc, "s", sub, helpers) for _ in range(3)]
        form = self.pick(["max", "min", "sorted"])
        self.tags.add(form if form == "sorted" else "max_min")
        if form == "sorted":
            reverse = ", reverse=True" if self.chance(0.3) else ""
            return f"sorted([{', '.join(items)}]{reverse})[{self.r.randrange(3)}]"
        return f"{form}([{', '.join(items)}])"

    # ---- statements ------------------------------------------------------

    def st_unpack_tree(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """``u, (w, c) = tt``, ``w, c = q`` or ``s, (u, c) = h(...)``."""
        sources = [n for k in ("q", "tt") for n in sc.names(k)]
        nested = [h for h in fn.helpers if h.ret == "n"]
        if nested and (not sources or self.chance(0.5)):
            h = self.pick(nested)
            made = self.call(sc, "v", 2, [h]) or ""
            if not made.endswith("[1][0]"):
                return self.st_call(sc, fn, depth)
            s1, v1, s2 = self.fresh("s"), self.fresh("u"), self.fresh("s")
            self.tags.add("nested_unpack")
            for n, k in ((s1, "s"), (v1, "v"), (s2, "s")):
                self.bind(sc, n, k)
            return [f"{s1}, ({v1}, {s2}) = {made[: -len('[1][0]')]}"]
        if not sources:
            return self.st_assign(sc, fn, depth)
        name = self.pick(sources)
        self.tags.add("pytree_unpack")
        if sc.vars[name] == "q":
            v1, s1 = self.fresh("u"), self.fresh("s")
            self.bind(sc, v1, "v")
            self.bind(sc, s1, "s")
            return [f"{v1}, {s1} = {name}"]
        v1, v2, s1 = self.fresh("u"), self.fresh("u"), self.fresh("s")
        for n, k in ((v1, "v"), (v2, "v"), (s1, "s")):
            self.bind(sc, n, k)
        return [f"{v1}, ({v2}, {s1}) = {name}"]

    def st_lists(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """Lists of (3,) arrays joined, repeated, copied, popped, grown,
        zipped; the last one made stays in scope as a list."""
        lens: dict[str, int] = {}
        tuples: set[str] = set()
        lines: list[str] = []

        def make(text: str, n: int, tuple_: bool = False) -> str:
            name = self.fresh("T" if tuple_ else "L")
            lines.append(f"{name} = {text}")
            lens[name] = n
            if tuple_:
                tuples.add(name)
            return name

        def item() -> str:
            return self.value(sc, "v", 1)

        first = make(f"[{item()}, {item()}]", 2)
        if "ws" in sc.vars and self.chance(0.3):
            make("list(ws)", 2)
            self.tags.add("list_copy")
        elif sc.names("m") and self.chance(0.3):
            make(f"list({self.pick(sc.names('m'))})", 2)
            self.tags.add("list_of_array")
        else:
            make(f"[{item()}]", 1)
        for _ in range(self.r.randint(2, 4)):
            names = sorted(lens)
            op = self.pick(
                ["join", "repeat", "copy", "pop", "insert", "extend", "zip", "iter"]
            )
            a = self.pick(names)
            b = self.pick([n for n in names if (n in tuples) == (a in tuples)])
            if op == "join":
                make(f"{a} + {b}", lens[a] + lens[b], a in tuples)
            elif op == "repeat":
                make(f"{a} * 2", 2 * lens[a], a in tuples)
            elif op == "copy":
                form = self.pick(["list", "tuple"])
                self.tags.add(f"{form}_copy")
                make(f"{form}({a})", lens[a], form == "tuple")
                continue
            elif a in tuples and op in ("pop", "insert", "extend"):
                continue
            elif op == "pop" and lens[a] > 1:
                u = self.fresh("u")
                i = self.r.randrange(-lens[a], lens[a])
                lines.append(f"{u} = {a}.pop({i})")
                lens[a] -= 1
                self.bind(sc, u, "v")
            elif op == "insert":
                lines.append(f"{a}.insert({self.r.randrange(-1, 4)}, {item()})")
                lens[a] += 1
            elif op == "extend":
                form = self.pick(
                    ["{a}.extend([{e}])", "{a} += [{e}]", "{a}.extend({b})"]
                )
                lines.append(form.format(a=a, b=b, e=item()))
                lens[a] += lens[b] if "{b}" in form else 1
            elif op == "zip":
                pairs = [(x, y) for x in names for y in names if lens[x] == lens[y]]
                x, y = self.pick(pairs)
                s = self.pick(sc.rebindable("s") or [self.fresh("s")])
                if s not in sc.vars:
                    lines.append(f"{s} = 0.0")
                    self.bind(sc, s, "s")
                t1, t2 = self.fresh("t"), self.fresh("t")
                if self.chance(0.5):
                    zipped = self.fresh("pairs")
                    lines.append(f"{zipped} = zip({x}, {y})")
                    self.tags.add("zip_in_variable")
                else:
                    zipped = f"zip({x}, {y}, strict=True)"
                    self.tags.add("zip_strict")
                lines += [
                    f"for {t1}, {t2} in {zipped}:",
                    f"    {s} = 0.7 * {s} + 0.1 * np.sum(np.tanh({t1} * {t2}))",
                ]
            elif op == "iter" and self.chance(0.15):
                it, u = self.fresh("it"), self.fresh("u")
                self.tags.add("iter_next")
                lines += [f"{it} = iter({a})", f"{u} = next({it})"]
                self.bind(sc, u, "v")
            self.tags.add(f"list_{op}")
        last = self.pick(sorted(set(lens) - tuples) or [first])
        sc.vars[last] = "lv"
        return lines

    def st_filldiag(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        D, u = self.fresh("D"), self.fresh("u")
        start = self.pick(
            ["np.zeros((3, 3))", f"0.3 * np.outer({self.leaf(sc, 'v')}, np.ones(3))"]
        )
        diagonal = self.value(sc, self.pick(["s", "v"]), 2)
        self.tags.add("fill_diagonal")
        lines = [
            f"{D} = {start}",
            f"np.fill_diagonal({D}, {diagonal})",
            f"{u} = np.tanh(0.5 * ({D} @ {self.leaf(sc, 'v')}))",
        ]
        self.bind(sc, u, "v")
        return lines

    def st_view(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """Writes through a view of a writable array, or of a call's result."""
        names = [n for n in sc.names("v") if sc.can_write(n)]
        if not names:
            return self.st_inplace(sc, fn, depth)
        y = self.pick(names)
        e = self.call(sc, "v", 2, fn.helpers) or self.value(sc, "v", 2)
        if self.chance(0.15):
            view = self.fresh("view")
            self.tags.add("view_write")
            op = self.pick(["*= 0.5", "+= 0.3 * np.tanh({e})[:2]", "[0] = np.sin({s})"])
            s = self.value(sc, "s", 1)
            if op.startswith("["):
                return [f"{view} = {y}[1:]", f"{view}{op.format(s=s)}"]
            return [f"{view} = {y}[0:2]", f"{view} {op.format(e=e)}"]
        self.tags.add("write_call_result")
        if has_call([e]):
            self.tags.add("inplace_with_call")
        form = self.pick(
            [
                "{y}[{i}] += 0.3 * np.tanh({e})[{i}]",
                "{y}[1:] = 0.5 * {y}[1:] + 0.5 * np.tanh({e})[:2]",
                "{y}[:] = np.tanh({e})",
            ]
        )
        return [form.format(y=y, e=e, i=self.index(sc, 3))]

    def st_rnn(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """``h = tanh(W h + x_t)`` over steps, the loss summed at each."""
        h, loss = self.fresh("hid"), self.fresh("loss")
        start = self.pick(["np.zeros(3)", f"np.tanh({self.leaf(sc, 'v')})"])
        target = self.leaf(sc, "v")
        inner = sc.child()
        head = self.loop_head(sc, inner)
        inner.vars[h] = "v"
        inner.vars[loss] = "s"
        W = self.leaf(sc, "m")
        drive = self.value(inner, "v", 1)
        steps = [
            f"    {h} = np.tanh(0.5 * ({W}.T @ np.tanh({W} @ {h})) + 0.5 * {drive})"
        ]
        cells = [g for g in fn.helpers if g.ret == "v" and "v" in g.params]
        if cells and self.chance(0.5):
            g = self.pick(cells)
            args = [h if k == "v" else self.expr(inner, k, 1) for k in g.params]
            args += ["2"] if g.recursive else []
            steps.append(
                f"    {h} = 0.5 * {h} + 0.5 * np.tanh({g.name}({', '.join(args)}))"
            )
            self.tags.add("rnn_cell_call")
        step_loss = f"0.3 * np.sum(({h} - {target}) ** 2)"
        steps.append(
            self.pick(
                [f"    {loss} += {step_loss}", f"    {loss} = {loss} + {step_loss}"]
            )
        )
        if self.chance(0.4):
            steps += [
                f"    if {self.cond(inner)}:",
                f"        {loss} = {loss} + 0.1 * np.sum(np.sin({h}))",
            ]
        if self.chance(0.3):
            steps += [f"    if {loss} > 2.0:", "        break"]
            self.tags.add("rnn_break")
        self.tags.add("rnn")
        self.bind(sc, h, "v")
        self.bind(sc, loss, "s")
        return [f"{h} = {start}", f"{loss} = 0.0", head] + steps

    def st_solver(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """A step helper called in a while loop until the residual is small."""
        names = sc.rebindable("v")
        fits = [h for h in fn.helpers if h.ret == "v" and "v" in h.params]
        if not names:
            return self.st_assign(sc, fn, depth)
        u, r, k = self.pick(names), self.fresh("r"), self.fresh("k")
        if fits:
            h = self.pick(fits)
            args = [u if kind == "v" else self.leaf(sc, kind) for kind in h.params]
            args += ["2"] if h.recursive else []
            step = f"np.tanh({h.name}({', '.join(args)}))"
            self.tags.add("solver_call")
        else:
            step = f"np.tanh({u} - {self.leaf(sc, 'v')})"
        residual = f"np.sum(({step}) ** 2)"
        self.tags.add("solver_while")
        sc.vars[r] = "s"
        sc.ints[k] = 0
        return [
            f"{k} = 0",
            f"{r} = {residual}",
            f"while {r} > {self.pick(['0.05', '0.2', '0.5'])} and {k} < 5:",
            f"    {u} = {u} - 0.3 * {step}",
            f"    {r} = {residual}",
            f"    {k} += 1",
        ]

    def st_flag(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """A value that carries no derivative made from a call (a flag, an
        index), then used: code run as written around a call that may
        write into what it is given."""
        made = self.call(sc, "s", 2, fn.helpers)
        vectors = sc.names("v")
        if made is None or not vectors:
            return self.st_assign(sc, fn, depth)
        self.tags.add("call_in_static")
        limit = self.pick(["-0.5", "0.0", "0.5"])
        if self.chance(0.5):
            flag = self.fresh("c")
            name, existed = self.target(sc, "s")
            then = f"{name} = {self.value(sc, 's', 1)}"
            if existed:  # (a new name is bound on one path only)
                self.bind(sc, name, "s")
            return [f"{flag} = {made} > {limit}", f"if {flag}:", f"    {then}"]
        k = self.fresh("k")
        name, _ = self.target(sc, "s")
        read = f"{self.pick(vectors)}[{k}]"
        self.bind(sc, name, "s")
        return [f"{k} = int({made} > {limit})", f"{name} = np.tanh({read})"]

    def extended_kinds(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        kinds = ["view", "flag"]
        if getattr(self, "fillers", None) and fn.ret == "main":
            kinds.append("fill")  # (fills.py)
        if depth < fn.max_depth:
            kinds += list(EXTENDED_COMPOUND)
        if any(sc.names(k) for k in ("q", "tt")) or any(
            h.ret == "n" for h in fn.helpers
        ):
            kinds.append("unpack_tree")
        return kinds

    def squash(self, text: str) -> str:
        return self.pick(SQUASH).format(text)
