"""Values, scopes and expressions of the composed-program generator.

``Expressions`` draws typed expressions (``s`` a float scalar, ``v`` an
array of shape (3,), ``m`` one of shape (2, 3)) from the names a ``Scope``
holds, calls of helpers and closures among them; ``value`` wraps one in a
squashing template (tanh, sin, a contraction of an old value), so values
stay bounded however the statements nest.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

# the entry function's parameters: name -> kind (checker draws values by kind)
PARAM_KINDS = {"a": "s", "b": "s", "x": "v", "M": "m", "p": "dict", "ws": "list"}
# objects: q a named tuple Pair(w: v, c: s), P a dataclass Lin(W: m, b: v)
# with methods, tt a nested tuple (v, (v, s)); read by field or index only
OBJECTS = {"q": "q", "P": "P", "tt": "tt"}
PARAM_KINDS.update(OBJECTS)
# a helper's parameter names, by kind
HELPER_PARAMS = {"s": "c", "v": "z", "m": "A", "q": "pair", "P": "model", "tt": "nest"}
UNARY = ["np.sin({})", "np.cos({})", "np.tanh({})", "np.exp(np.sin({}))"]
SQUASH = ["np.tanh({})", "np.sin({})", "0.5 * np.cos({})", "np.log(1.0 + ({}) ** 2)"]
UPDATE = [
    "0.6 * {old} + 0.4 * np.tanh({e})",
    "{old} * np.cos({e})",
    "np.tanh({old} + {e})",
    "{old} - 0.25 * np.sin({e})",
]
COMPOUND = ("if", "for", "while", "closure", "comp", "descent", "listloop")
CALL = re.compile(r"\bh\d+\(")


def has_call(lines: list[str]) -> bool:
    """Whether any of ``lines`` calls a helper."""
    return any(CALL.search(line) for line in lines)


@dataclass
class Helper:
    """A module-level function the program defines."""

    name: str
    params: list[str]  # kinds of its float parameters
    ret: str  # s, v, t (a pair s, v), n (s, (v, s)) or d (a dict w: v, b: s)
    recursive: bool = False
    writes: bool = False  # into its array parameters, in place


@dataclass
class Scope:
    """The names a point of the program may read, and what it may do to them."""

    vars: dict[str, str] = field(default_factory=dict)  # name -> kind
    ints: dict[str, int] = field(default_factory=dict)  # name -> bound (0: any)
    fixed: set[str] = field(default_factory=set)  # never rebound
    writable: set[str] = field(default_factory=set)  # arrays written in place ok
    closures: dict[str, str] = field(default_factory=dict)  # name -> kind mapped
    iterated: set[str] = field(default_factory=set)  # loops run over: no writes

    def child(self) -> Scope:
        return Scope(
            dict(self.vars),
            dict(self.ints),
            set(self.fixed),
            set(self.writable),
            dict(self.closures),
            set(self.iterated),
        )

    def iterate(self, container: str, *targets: str) -> None:
        """A loop runs over ``container``, binding ``targets``."""
        self.fixed |= {container, *targets}
        self.iterated.add(container)

    def can_write(self, name: str) -> bool:
        return name in self.writable and name not in self.iterated

    def names(self, kind: str) -> list[str]:
        return [n for n, k in self.vars.items() if k == kind]

    def rebindable(self, kind: str) -> list[str]:
        return [n for n in self.names(kind) if n not in self.fixed]


@dataclass
class Fn:
    """The function whose body is being drawn."""

    ret: str
    helpers: list[Helper]
    max_depth: int
    rec: Helper | None = None
    in_loop: bool = False
    loop_kind: str = ""


class Expressions:
    """Draws expressions; ``self.tags`` collects the constructs drawn."""

    def __init__(self, seed: int, index: int, extended: bool = True) -> None:
        self.r = random.Random(f"compose-{seed}-{index}")
        self.extended = extended  # draw the constructs added after the first
        self.tags: set[str] = set()
        self.counter = 0
        self.helpers: list[Helper] = []

    # ---- small helpers ---------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, items: list) -> object:
        return self.r.choice(items)

    def const(self) -> str:
        return self.pick(["0.3", "0.5", "-0.2", "0.7", "1.2", "-0.6"])

    # ---- expressions -----------------------------------------------------

    def index(self, sc: Scope, size: int) -> str:
        ints = [n for n, b in sc.ints.items() if 0 < b <= size]
        counters = [n for n, b in sc.ints.items() if b == 0]
        if ints and self.chance(0.4):
            self.tags.add("loop_index")
            return self.pick(ints)
        if counters and self.chance(0.4):
            self.tags.add("counter_index")
            return f"{self.pick(counters)} % {size}"
        return str(self.r.randrange(size))

    def leaf(self, sc: Scope, t: str) -> str:
        names = sc.names(t)
        if t == "s":
            choices = names * 3 + [self.const()]
            if sc.names("v"):
                choices.append(f"{self.pick(sc.names('v'))}[{self.index(sc, 3)}]")
            if sc.names("m"):
                m = self.pick(sc.names("m"))
                choices.append(f"{m}[{self.index(sc, 2)}, {self.index(sc, 3)}]")
            if "p" in sc.vars:
                choices.append('p["b"]')
            choices += self.object_leaves(sc, t)
            return self.pick(choices)
        if t == "v":
            choices = names * 3
            if sc.names("m"):
                choices.append(f"{self.pick(sc.names('m'))}[{self.index(sc, 2)}]")
            if "p" in sc.vars:
                choices.append('p["w"]')
            if "ws" in sc.vars:
                choices.append(f"ws[{self.r.randrange(2)}]")
            choices += self.object_leaves(sc, t)
            if not choices:
                choices.append(f"np.sin({self.leaf(sc, 's')} + np.arange(3.0))")
            return self.pick(choices)
        names = names + self.object_leaves(sc, t)
        if names:
            return self.pick(names)
        return f"np.outer(np.array([0.6, -0.4]), {self.leaf(sc, 'v')})"

    def cond(self, sc: Scope, d: int = 1) -> str:
        s = self.expr(sc, "s", min(d, 1))
        form = self.r.randrange(5)
        if form == 0:
            return f"{s} > {self.const()}"
        if form == 1:
            return f"np.sum({self.expr(sc, 'v', min(d, 1))}) > {self.const()}"
        if form == 2:
            return f"{s} < {self.leaf(sc, 's')}"
        if form == 3 and sc.names("v"):
            return f"{self.pick(sc.names('v'))}[{self.index(sc, 3)}] > 0.0"
        return f"({s} > -0.5) and ({self.leaf(sc, 's')} < 0.4)"

    def call(self, sc: Scope, t: str, d: int, helpers: list[Helper]) -> str | None:
        """A call of a helper (or a closure) giving a value of kind ``t``."""
        fits = [
            h
            for h in helpers
            if (h.ret == t or (h.ret in "tnd" and t in "sv"))
            and all(sc.names(k) for k in h.params if k in OBJECTS)
        ]
        closures = [n for n, k in sc.closures.items() if k == t]
        if closures and (not fits or self.chance(0.35)):
            self.tags.add("closure_call")
            return f"{self.pick(closures)}({self.expr(sc, t, d - 1, helpers)})"
        if not fits:
            return None
        h = self.pick(fits)
        args = []
        for kind in h.params:
            bare = sc.names(kind) if h.writes and kind in "vm" else []
            if bare and self.chance(0.5):  # the caller's own array is written
                self.tags.add("helper_writes_name")
                args.append(self.pick(bare))
                continue
            arg = self.expr(sc, kind, d - 1, helpers)
            if "(" in arg and any(g.name + "(" in arg for g in self.helpers):
                self.tags.add("call_as_arg")
            args.append(arg)
        if h.recursive:
            depths = [n for n, b in sc.ints.items() if 0 < b <= 3]
            args.append(self.pick(depths) if depths and self.chance(0.4) else "2")
            self.tags.add("recursion")
        text = f"{h.name}({', '.join(args)})"
        if h.ret == "t":
            self.tags.add("tuple_index")
            text += "[0]" if t == "s" else "[1]"
        elif h.ret == "n":
            self.tags.add("nested_tuple_index")
            text += self.pick(["[0]", "[1][1]"]) if t == "s" else "[1][0]"
        elif h.ret == "d":
            self.tags.add("dict_return_read")
            text += '["b"]' if t == "s" else '["w"]'
        return text

    def expr(self, sc: Scope, t: str, d: int, helpers: list[Helper] | None = None):
        """An expression of kind ``t`` (s, v or m), nested up to ``d`` deep."""
        helpers = self.helpers if helpers is None else helpers
        if t in OBJECTS:
            return self.pick(sc.names(t))
        if d <= 0 or self.chance(0.2):
            return self.leaf(sc, t)
        kind = self.r.randrange(12 if self.extended else 10)
        if kind >= 10 and t in "sv":
            return self.special(sc, t, d, helpers)
        if kind <= 2:
            made = self.call(sc, t, d, helpers)
            if made is not None:
                return made
        if kind == 3:
            form = self.pick(UNARY + ["np.log(1.0 + ({}) ** 2)"])
            return form.format(self.expr(sc, t, d - 1, helpers))
        if kind == 4:
            c = self.cond(sc)
            one = self.expr(sc, t, d - 1, helpers)
            if self.pick([0, 1]) and helpers:
                one = self.call(sc, t, d, helpers) or one
            self.tags.add("ifexp")
            if any(h.name + "(" in one for h in helpers):
                self.tags.add("call_in_ifexp")
            return f"({one} if {c} else {self.leaf(sc, t)})"
        if kind == 5:
            return self.reduction(sc, t, d, helpers)
        other = {"s": ["s"], "v": ["v", "s"], "m": ["m", "v", "s"]}[t]
        u, w = t, self.pick(other)
        if self.chance(0.5):
            u, w = w, u
        if u != w:
            self.tags.add("broadcast")
        a, b = self.expr(sc, u, d - 1, helpers), self.expr(sc, w, d - 1, helpers)
        op = self.pick(["+", "-", "*", "*", "div"])
        if op == "div":
            return f"{a} / (1.0 + ({b}) ** 2)"
        return f"({a} {op} {b})"

    def reduction(self, sc: Scope, t: str, d: int, helpers: list[Helper]) -> str:
        sub = d - 1
        if t == "s":
            form = self.r.randrange(8 if self.extended else 6)
            if form >= 6:
                return self.order_statistic(sc, sub, helpers)
            if form == 0:
                self.tags.add("dot")
                v1, v2 = self.expr(sc, "v", sub, helpers), self.expr(sc, "v", sub)
                return f"0.2 * np.dot({v1}, {v2})"
            if form == 1:
                self.tags.add("matmul")
                return (
                    f"0.2 * ({self.expr(sc, 'v', sub, helpers)} @ {self.leaf(sc, 'v')})"
                )
            if form == 2 and sc.names("v"):
                self.tags.add("generator_sum")
                e = self.fresh("e")
                inner = sc.child()
                inner.vars[e] = "s"
                body = self.expr(inner, "s", sub, helpers)
                return (
                    f"0.3 * sum(np.sin({body}) for {e} in {self.pick(sc.names('v'))})"
                )
            if form == 3:
                return f"0.2 * np.sum({self.expr(sc, 'm', sub, helpers)})"
            if form == 4 and sc.names("lv"):
                self.tags.add("list_sum")
                return f"0.1 * np.sum(np.stack({self.pick(sc.names('lv'))}))"
            return f"np.mean({self.expr(sc, 'v', sub, helpers)})"
        if t == "v":
            if self.chance(0.5):
                self.tags.add("matmul")
                m = self.expr(sc, "m", sub, helpers)
                return f"({self.leaf(sc, 'm')}.T @ np.tanh({m} @ {self.leaf(sc, 'v')}))"
            return f"np.sum({self.expr(sc, 'm', sub, helpers)}, axis=0)"
        return (
            f"np.outer(np.cos({self.leaf(sc, 'm')}[:, 0]), {self.expr(sc, 'v', sub)})"
        )

    def value(self, sc: Scope, t: str, d: int, old: str | None = None) -> str:
        """A bounded value of kind ``t``, from ``old`` when given."""
        e = self.expr(sc, t, d)
        if old is not None:
            return self.pick(UPDATE).format(old=old, e=e)
        return self.pick(SQUASH).format(e)
