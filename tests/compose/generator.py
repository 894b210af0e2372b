"""Compositional random programs: every supported construct inside every other.

``generate(seed, index)`` draws one module (a few helper functions and an
entry function ``f``) from ``random.Random`` seeded by ``(seed, index)``, so
program ``index`` of ``seed`` is reproducible. Values are typed while drawing
(``s`` a float scalar, ``v`` an array of shape (3,), ``m`` one of shape (2, 3),
``lv`` a list of (3,) arrays, ``t`` a pair (scalar, vector) returned by a
helper), so every program runs; every assigned value goes through a
squashing template (tanh, sin, a contraction of the old value) so nothing
overflows. The constructs drawn are recorded as tags on the program.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

__all__ = ["PARAM_KINDS", "Program", "generate"]

# the entry function's parameters: name -> kind (checker draws values by kind)
PARAM_KINDS = {"a": "s", "b": "s", "x": "v", "M": "m", "p": "dict", "ws": "list"}
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
    ret: str  # s, v or t
    recursive: bool = False


@dataclass
class Program:
    """One generated module: its source, entry parameters and construct tags."""

    seed: int
    index: int
    source: str
    params: list[str]
    tags: list[str]

    @property
    def id(self) -> str:
        return f"{self.seed}:{self.index}"


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


class Generator:
    """Draws one program; ``self.tags`` collects the constructs it drew."""

    def __init__(self, seed: int, index: int) -> None:
        self.r = random.Random(f"compose-{seed}-{index}")
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
            return self.pick(choices)
        if t == "v":
            choices = names * 3
            if sc.names("m"):
                choices.append(f"{self.pick(sc.names('m'))}[{self.index(sc, 2)}]")
            if "p" in sc.vars:
                choices.append('p["w"]')
            if "ws" in sc.vars:
                choices.append(f"ws[{self.r.randrange(2)}]")
            if not choices:
                choices.append(f"np.sin({self.leaf(sc, 's')} + np.arange(3.0))")
            return self.pick(choices)
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
        fits = [h for h in helpers if h.ret == t or (h.ret == "t" and t in "sv")]
        closures = [n for n, k in sc.closures.items() if k == t]
        if closures and (not fits or self.chance(0.35)):
            self.tags.add("closure_call")
            return f"{self.pick(closures)}({self.expr(sc, t, d - 1, helpers)})"
        if not fits:
            return None
        h = self.pick(fits)
        args = []
        for kind in h.params:
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
        return text

    def expr(self, sc: Scope, t: str, d: int, helpers: list[Helper] | None = None):
        """An expression of kind ``t`` (s, v or m), nested up to ``d`` deep."""
        helpers = self.helpers if helpers is None else helpers
        if d <= 0 or self.chance(0.2):
            return self.leaf(sc, t)
        kind = self.r.randrange(10)
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
            form = self.r.randrange(6)
            if form == 0:
                self.tags.add("dot")
                v1, v2 = self.expr(sc, "v", sub, helpers), self.expr(sc, "v", sub)
                return f"0.2 * np.dot({v1}, {v2})"
            if form == 1:
                self.tags.add("matmul")
                return f"0.2 * ({self.expr(sc, 'v', sub, helpers)} @ {self.leaf(sc, 'v')})"
            if form == 2 and sc.names("v"):
                self.tags.add("generator_sum")
                e = self.fresh("e")
                inner = sc.child()
                inner.vars[e] = "s"
                body = self.expr(inner, "s", sub, helpers)
                return f"0.3 * sum(np.sin({body}) for {e} in {self.pick(sc.names('v'))})"
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
        return f"np.outer(np.cos({self.leaf(sc, 'm')}[:, 0]), {self.expr(sc, 'v', sub)})"

    def value(self, sc: Scope, t: str, d: int, old: str | None = None) -> str:
        """A bounded value of kind ``t``, from ``old`` when given."""
        e = self.expr(sc, t, d)
        if old is not None:
            return self.pick(UPDATE).format(old=old, e=e)
        return self.pick(SQUASH).format(e)

    # ---- statements ------------------------------------------------------

    def block(self, sc: Scope, fn: Fn, depth: int, n: int) -> list[str]:
        lines: list[str] = []
        for _ in range(n):
            lines += self.statement(sc, fn, depth)
        return lines or ["pass"]

    def statement(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        kinds = ["assign", "assign", "aug", "inplace", "call"]
        if depth < fn.max_depth:
            kinds += list(COMPOUND) + ["if", "for"]
        if fn.in_loop:
            kinds += ["jump"]
        kinds += ["return"] if self.chance(0.3) else []
        if "lv" in sc.vars.values():
            kinds.append("append")
        if any(k == "t" for h in fn.helpers for k in [h.ret]):
            kinds.append("unpack")
        kind = self.pick(kinds)
        method = getattr(self, f"st_{kind}")
        lines = method(sc, fn, depth)
        if depth >= 3:
            self.tags.add("nest3")
        return lines

    def target(self, sc: Scope, t: str, allow_new: bool = True) -> tuple[str, bool]:
        old = sc.rebindable(t)
        if old and (not allow_new or self.chance(0.6)):
            return self.pick(old), True
        name = self.fresh({"s": "s", "v": "u", "m": "W"}[t])
        return name, False

    def bind(self, sc: Scope, name: str, t: str) -> None:
        sc.vars[name] = t
        if t in "vm" and name not in PARAM_KINDS:
            sc.writable.add(name)

    def st_assign(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        t = self.pick(["s", "s", "v", "m"])
        name, existed = self.target(sc, t)
        d = self.r.randint(1, 3)
        text = self.value(sc, t, d, old=name if existed and self.chance(0.7) else None)
        if existed and name in text:
            self.tags.add("overwrite_in_loop" if fn.in_loop else "overwrite")
            if depth > 0 and not fn.in_loop:
                self.tags.add("overwrite_in_branch")
        self.bind(sc, name, t)
        return [f"{name} = {text}"]

    def st_call(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        t = self.pick(["s", "v"])
        made = self.call(sc, t, 2, fn.helpers)
        if made is None:
            return self.st_assign(sc, fn, depth)
        self.tags.add("call_in_loop" if fn.in_loop else "call_stmt")
        name, existed = self.target(sc, t)
        if existed and self.chance(0.5):
            text = f"0.5 * {name} + 0.5 * {made}"
        else:
            text = self.pick(SQUASH).format(made)
        self.bind(sc, name, t)
        return [f"{name} = {text}"]

    def st_aug(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        t = self.pick(["s", "v", "m"])
        if t == "s":
            names = sc.rebindable(t)
        else:
            names = [n for n in sc.names(t) if sc.can_write(n)]
        if not names:
            return self.st_assign(sc, fn, depth)
        name = self.pick(names)
        self.tags.add("augassign" if t == "s" else "augassign_array")
        e = self.expr(sc, self.pick(["s", t]), 2)
        op = self.pick(["+=", "-=", "*="])
        rhs = f"np.cos({e})" if op == "*=" else f"0.3 * np.tanh({e})"
        return [f"{name} {op} {rhs}"]

    def st_inplace(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        names = [n for n in sc.vars if sc.can_write(n)]
        if not names:
            return self.st_assign(sc, fn, depth)
        name = self.pick(sorted(names))
        self.tags.add("inplace_param" if name in PARAM_KINDS else "inplace_made")
        t = sc.vars[name]
        form = self.r.randrange(3)
        if form == 0:
            self.tags.add("setitem")
            if t == "v":
                return [f"{name}[{self.index(sc, 3)}] = {self.value(sc, 's', 2)}"]
            return [f"{name}[{self.index(sc, 2)}] = {self.value(sc, 'v', 2)}"]
        if form == 1:
            self.tags.add("inplace_slice")
            if t == "v":
                e = self.value(sc, "v", 2)
                return [f"{name}[0:2] += 0.5 * ({e})[1:3]"]
            e = self.value(sc, "v", 2)
            return [f"{name}[:, {self.r.randrange(3)}] += 0.3 * ({e})[:2]"]
        self.tags.add("inplace_scale")
        return [f"{name} *= {self.pick(['0.9', 'np.cos(' + self.leaf(sc, 's') + ')'])}"]

    def st_jump(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        jump = self.pick(["break", "continue"])
        self.tags.add(jump)
        return [f"if {self.cond(sc)}:", f"    {jump}"]

    def st_return(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        self.tags.add("return_in_loop" if fn.in_loop else "early_return")
        return [f"if {self.cond(sc)}:", f"    return {self.ret_value(sc, fn, 2)}"]

    def ret_value(self, sc: Scope, fn: Fn, d: int) -> str:
        if fn.ret == "t":
            return f"{self.value(sc, 's', d)}, {self.value(sc, 'v', d)}"
        if fn.ret == "main":
            parts = [self.value(sc, "s", d), f"np.sum({self.value(sc, 'v', d)})"]
            parts += [f"0.2 * np.sum({n} * {n})" for n in sc.names("m")[:1]]
            return " + ".join(parts)
        return self.value(sc, fn.ret, d)

    def st_append(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        lists = [n for n in sc.names("lv") if n not in sc.iterated]
        if not lists:
            return self.st_assign(sc, fn, depth)
        self.tags.add("list_append")
        return [f"{self.pick(lists)}.append({self.value(sc, 'v', 2)})"]

    def st_unpack(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        pairs = [h for h in fn.helpers if h.ret == "t"]
        h = self.pick(pairs)
        args = ", ".join(self.expr(sc, k, 1) for k in h.params)
        if h.recursive:
            args += ", 2"
        s_name, _ = self.target(sc, "s")
        v_name, _ = self.target(sc, "v")
        self.tags.add("tuple_unpack")
        self.bind(sc, s_name, "s")
        self.bind(sc, v_name, "v")
        return [f"{s_name}, {v_name} = {h.name}({args})"]

    def sub(self, sc: Scope, fn: Fn, depth: int, n: int, **loop) -> list[str]:
        """An indented block in a child scope (its new names stay inside)."""
        inner_fn = Fn(fn.ret, fn.helpers, fn.max_depth, fn.rec, **loop) if loop else fn
        lines = self.block(sc.child(), inner_fn, depth + 1, n)
        return ["    " + line for line in lines]

    def st_if(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        every = self.chance(0.4) and bool(fn.helpers)
        branches = ["if"] + ["elif"] * self.r.randrange(2) + ["else"] * self.r.randrange(2)
        lines: list[str] = []
        for branch in branches:
            head = f"{branch} {self.cond(sc)}:" if branch != "else" else "else:"
            body = self.sub(sc, fn, depth, self.r.randint(1, 2))
            if every:
                body = ["    " + line for line in self.st_call(sc.child(), fn, depth + 1)] + body
            lines += [head] + body
        if "elif" in branches:
            self.tags.add("elif")
        if every:
            self.tags.add("call_in_every_branch")
        if fn.in_loop:
            self.tags.add("if_in_loop")
            if every or has_call(lines):
                self.tags.add("call_in_loop_if")
        return lines

    def loop_head(self, sc: Scope, inner: Scope) -> str:
        """The header of a for loop, binding its targets in ``inner``."""
        form = self.pick(["range", "range", "rows", "elements", "list", "enumerate", "zip", "reversed"])
        if form == "rows" and sc.names("m"):
            m, row = self.pick(sc.names("m")), self.fresh("row")
            inner.vars[row] = "v"
            inner.iterate(m, row)
            self.tags.add("for_rows")
            return f"for {row} in {m}:"
        if form == "elements" and sc.names("v"):
            v, e = self.pick(sc.names("v")), self.fresh("e")
            inner.vars[e] = "s"
            inner.iterate(v, e)
            self.tags.add("for_elements")
            return f"for {e} in {v}:"
        if form == "list" and (sc.names("lv") or "ws" in sc.vars):
            lst, t = self.pick(sc.names("lv") + ["ws"] * ("ws" in sc.vars)), self.fresh("t")
            inner.vars[t] = "v"
            inner.iterate(lst, t)
            self.tags.add("for_list")
            return f"for {t} in {lst}:"
        if form == "enumerate" and sc.names("v"):
            v, i, e = self.pick(sc.names("v")), self.fresh("i"), self.fresh("e")
            inner.vars[e], inner.ints[i] = "s", 3
            inner.iterate(v, e)
            self.tags.add("for_enumerate")
            return f"for {i}, {e} in enumerate({v}):"
        if form == "zip" and sc.names("m") and (sc.names("v") or "ws" in sc.vars):
            m, row, e = self.pick(sc.names("m")), self.fresh("row"), self.fresh("e")
            first = self.pick(sc.names("v") + (["ws"] if "ws" in sc.vars else []))
            inner.vars[row] = "v"
            inner.vars[e] = "v" if first == "ws" else "s"
            inner.iterate(m, row, e)
            inner.iterate(first)
            self.tags.add("for_zip")
            return f"for {e}, {row} in zip({first}, {m}):"
        i, n = self.fresh("i"), self.pick([2, 3])
        inner.ints[i] = n
        if form == "reversed":
            self.tags.add("for_reversed")
            return f"for {i} in reversed(range({n})):"
        self.tags.add("for_range")
        return f"for {i} in range({n}):"

    def st_for(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        inner = sc.child()
        head = self.loop_head(sc, inner)
        body = self.sub(inner, fn, depth, self.r.randint(1, 3), in_loop=True, loop_kind="for")
        lines = [head] + body
        if any(line.strip() == "break" for line in body) and self.chance(0.5):
            self.tags.add("for_else")
            lines += ["else:"] + self.sub(sc, fn, depth, 1)
        return lines

    def st_while(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        k = self.fresh("k")
        inner = sc.child()
        inner.ints[k] = 0
        sc.ints[k] = 0
        if self.chance(0.5) and sc.rebindable("s"):
            s = self.pick(sc.rebindable("s"))
            self.tags.add("while_data")
            head = f"while {s} < {self.pick(['0.5', '1.0', '1.5'])} and {k} < 4:"
            step = [f"    {s} = {s} + 0.3 + 0.1 * np.tanh({self.expr(sc, 's', 2)})"]
        else:
            self.tags.add("while_counter")
            head, step = f"while {k} < {self.pick([2, 3])}:", []
        body = self.sub(inner, fn, depth, self.r.randint(1, 2), in_loop=True, loop_kind="while")
        if has_call(body):
            self.tags.add("while_call")
        return [f"{k} = 0", head, f"    {k} += 1"] + step + body

    def st_closure(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        t = self.pick(["s", "v"])
        name, z = self.fresh("inner"), self.fresh("z")
        body = sc.child()
        body.vars = {n: k for n, k in sc.vars.items() if k in ("s", "v") and k <= t}
        body.vars[z] = t
        body.ints = {}
        lines: list[str] = []
        late = None
        if self.chance(0.4):
            late = self.fresh("late")
            body.vars[late] = "s"
            self.tags.add("closure_late")
        if self.chance(0.25):
            self.tags.add("lambda")
            lines.append(f"{name} = lambda {z}: {self.value(body, t, 2)}")
        else:
            self.tags.add("closure")
            lines.append(f"def {name}({z}):")
            if self.chance(0.5):
                lines += [f"    if {self.cond(body)}:", f"        return {self.value(body, t, 2)}"]
            lines.append(f"    return {self.value(body, t, 2)}")
        if late:
            lines.append(f"{late} = {self.value(sc, 's', 2)}")
            sc.vars[late] = "s"
        sc.closures[name] = t
        sc.fixed.add(name)
        return lines

    def st_comp(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        name = self.fresh("L")
        inner = sc.child()
        if sc.names("m") and self.chance(0.6):
            var, src = self.fresh("r"), self.pick(sc.names("m"))
            inner.vars[var] = "v"
        else:
            var, src = self.fresh("j"), self.pick(["range(2)", "range(3)"])
            inner.ints[var] = int(src[6])
        self.tags.add("list_comp")
        item = self.value(inner, "v", 2)
        if any(h.name + "(" in item for h in fn.helpers):
            self.tags.add("call_in_comp")
        if any(c + "(" in item for c in sc.closures):
            self.tags.add("closure_in_comp")
        lines = [f"{name} = [{item} for {var} in {src}]"]
        sc.vars[name] = "lv"
        return lines

    def st_listloop(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """A list built before a loop, appended to or rebound inside it."""
        name = self.fresh("acc")
        lines = [f"{name} = [{self.value(sc, 'v', 1)}, {self.value(sc, 'v', 1)}]"]
        sc.vars[name] = "lv"
        if self.chance(0.4):
            t = self.fresh("t")
            self.tags.add("rebind_iterated")
            inner = sc.child()
            inner.vars[t] = "v"
            new = f"[{self.value(inner, 'v', 1, old=t)}, np.tanh({t})]"
            lines += [f"for {t} in {name}:", f"    {name} = {new}"]
            return lines
        if sc.rebindable("m") and self.chance(0.3):
            m, row = self.pick(sc.rebindable("m")), self.fresh("row")
            self.tags.add("rebind_iterated")
            return lines + [f"for {row} in {m}:", f"    {m} = {m} * np.cos({row})"]
        lines += self.st_for(sc, fn, depth)
        lines.append(f"{name}.append({self.value(sc, 'v', 2)})")
        self.tags.add("list_append")
        return lines

    def st_descent(self, sc: Scope, fn: Fn, depth: int) -> list[str]:
        """``g = h(x); for _: x = x - 0.25 * g; g = h(x)``: one call site
        before the loop and inside it, on a name the loop rebinds."""
        t = self.pick(["s", "v"])
        fits = [h for h in fn.helpers if h.ret == t and t in h.params]
        names = sc.rebindable(t)
        if not fits or not names:
            return self.st_call(sc, fn, depth)
        h, x = self.pick(fits), self.pick(names)
        args = [x if k == t else self.leaf(sc, k) for k in h.params]
        args += ["2"] if h.recursive else []
        g = self.fresh("g")
        call = f"{h.name}({', '.join(args)})"
        self.tags.add("descent")
        sc.vars[g] = t
        return [
            f"{g} = {call}",
            f"for _ in range({self.pick([2, 3])}):",
            f"    {x} = {x} - 0.25 * {g}",
            f"    {g} = {call}",
        ]

    # ---- functions -------------------------------------------------------

    def helper(self, number: int) -> list[str]:
        ret = self.pick(["s", "v", "v", "t"])
        params = self.r.sample(["s", "v", "m"], self.r.randint(1, 2))
        if "s" not in params and "v" not in params:
            params.append("v")
        name = f"h{number}"
        recursive = self.chance(0.25)
        h = Helper(name, params, ret, recursive)
        sc = Scope()
        names = {"s": "c", "v": "z", "m": "A"}
        for kind in params:
            sc.vars[names[kind]] = kind
        signature = [names[k] for k in params] + (["depth"] if recursive else [])
        lines = [f"def {name}({', '.join(signature)}):"]
        fn = Fn(ret, list(self.helpers), 2)
        if recursive:
            self.tags.add("recursion")
            lines += ["    if depth <= 0:", f"        return {self.ret_value(sc, fn, 1)}"]
        body = self.block(sc, fn, 1, self.r.randint(1, 3))
        if recursive:
            args = [self.value(sc, k, 1) for k in params]
            rec = f"{name}({', '.join(args)}, depth - 1)"
            rec = rec + ("[0]" if ret == "t" else "")
            r = self.fresh("rec")
            kind = "s" if ret == "t" else ret
            body += [f"if {self.cond(sc)}:", f"    {r} = {rec}", "else:", f"    {r} = {self.value(sc, kind, 1)}"]
            sc.vars[r] = kind
        if self.helpers and has_call(body):
            self.tags.add("helper_calls_helper")
        lines += ["    " + line for line in body]
        lines.append(f"    return {self.ret_value(sc, fn, 2)}")
        self.helpers.append(h)
        return lines

    def main(self) -> tuple[list[str], list[str]]:
        params = ["a"] + [n for n in ("b", "x", "M", "p", "ws") if self.chance(0.5)]
        if not any(PARAM_KINDS[n] in ("v", "m") for n in params):
            params.append(self.pick(["x", "M"]))
        sc = Scope()
        for n in params:
            if PARAM_KINDS[n] in ("s", "v", "m"):
                sc.vars[n] = PARAM_KINDS[n]
            else:
                sc.vars[n] = n  # read by key or index only
                sc.fixed.add(n)
                self.tags.add(f"{n}_param")
        for n in ("x", "M"):
            if n in params and self.chance(0.35):
                sc.writable.add(n)  # written in place, so never rebound
                sc.fixed.add(n)
        lines = [f"def f({', '.join(params)}):"]
        body = [f"s0 = np.tanh({self.leaf(sc, 's')})"]
        sc.vars["s0"] = "s"
        if not sc.names("v"):
            body.append("u0 = np.sin(a + np.arange(3.0))")
            sc.vars["u0"] = "v"
        if self.chance(0.4):
            made = self.fresh("y")
            start = ["np.zeros(3)", "np.ones(3) * 0.5", f"{self.leaf(sc, 'v')}.copy()"]
            body.append(f"{made} = {self.pick(start)}")
            self.bind(sc, made, "v")
        fn = Fn("main", list(self.helpers), 4)
        body += self.block(sc, fn, 0, self.r.randint(3, 6))
        lines += ["    " + line for line in body]
        lines.append(f"    return {self.ret_value(sc, fn, 2)}")
        return lines, params


def generate(seed: int, index: int) -> Program:
    """Program ``index`` of ``seed``: a module with helpers and ``f``."""
    g = Generator(seed, index)
    parts = ["import numpy as np"]
    for number in range(1, g.r.randint(2, 5)):
        parts.append("\n".join(g.helper(number)))
    main, params = g.main()
    parts.append("\n".join(main))
    source = "\n\n\n".join(parts) + "\n"
    return Program(seed, index, source, params, sorted(g.tags))
