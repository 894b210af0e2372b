"""Compositional random programs: every supported construct inside every other.

``generate(seed, index)`` draws one module (a few helper functions and an
entry function ``f``) from ``random.Random`` seeded by ``(seed, index)``, so
program ``index`` of ``seed`` is reproducible. Values are typed while drawing
(``s`` a float scalar, ``v`` an array of shape (3,), ``m`` one of shape (2, 3),
``lv`` a list of (3,) arrays, ``t`` a pair (scalar, vector) returned by a
helper), so every program runs; every assigned value goes through a
squashing template (tanh, sin, a contraction of the old value) so nothing
overflows. The constructs drawn are recorded as tags on the program.

By default programs also draw the constructs of ``additions.py`` (objects
read by field, helpers returning nested tuples and dicts or writing into
their array parameters, list operations, ``scipy.stats.norm``, more of
numpy, RNN and solver loops); ``extended=False`` (``--base``) draws what the
first generator drew, the same programs for the same ``(seed, index)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.compose.additions import HEADER, Additions
from tests.compose.expressions import (
    HELPER_PARAMS,
    OBJECTS,
    PARAM_KINDS,
    Fn,
    Helper,
    Scope,
    has_call,
)
from tests.compose.fills import Fills

__all__ = ["PARAM_KINDS", "Program", "generate"]


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


class Generator(Fills, Additions):
    """Draws one program: helpers first (each may call the earlier ones),
    then the entry function ``f``."""

    objects: tuple[str, ...] = ()  # object kinds f takes (drawn first)

    def helper(self, number: int) -> list[str]:
        rets = ["s", "v", "v", "t"] + (["n", "d"] if self.extended else [])
        ret = self.pick(rets)
        params = self.r.sample(["s", "v", "m"], self.r.randint(1, 2))
        if "s" not in params and "v" not in params:
            params.append("v")
        if self.objects and self.chance(0.4):
            params.append(self.pick(list(self.objects)))
            self.tags.add("object_to_helper")
        name = f"h{number}"
        recursive = self.chance(0.25) and ret in ("s", "v", "t")
        h = Helper(name, params, ret, recursive)
        sc = Scope()
        names = HELPER_PARAMS
        for kind in params:
            sc.vars[names[kind]] = kind
        signature = [names[k] for k in params] + (["depth"] if recursive else [])
        lines = [f"def {name}({', '.join(signature)}):"]
        callable_ = [
            g
            for g in self.helpers
            if all(k in params for k in g.params if k in OBJECTS)
        ]
        fn = Fn(ret, callable_, 2)
        if recursive:
            self.tags.add("recursion")
            lines += [
                "    if depth <= 0:",
                f"        return {self.ret_value(sc, fn, 1)}",
            ]
        writes: list[str] = []
        own = [names[k] for k in params if k in ("v", "m")]
        if self.extended and own and not recursive and self.chance(0.04):
            self.tags.add("helper_writes_param")  # the caller's array changes
            h.writes = True
            sc.writable |= set(own)
            writes = self.st_inplace(sc, fn, 1)
        body = writes + self.block(sc, fn, 1, self.r.randint(1, 3))
        if recursive:
            args = [names[k] if k in OBJECTS else self.value(sc, k, 1) for k in params]
            rec = f"{name}({', '.join(args)}, depth - 1)"
            rec = rec + ("[0]" if ret == "t" else "")
            r = self.fresh("rec")
            kind = "s" if ret == "t" else ret
            body += [
                f"if {self.cond(sc)}:",
                f"    {r} = {rec}",
                "else:",
                f"    {r} = {self.value(sc, kind, 1)}",
            ]
            sc.vars[r] = kind
        if self.helpers and has_call(body):
            self.tags.add("helper_calls_helper")
        lines += ["    " + line for line in body]
        if ret == "d" and self.chance(0.9):
            self.tags.add("dict_return")
            out = self.fresh("out")
            lines += [
                f"    {out} = {{}}",
                f'    {out}["w"] = {self.value(sc, "v", 2)}',
                f'    {out}["b"] = {self.value(sc, "s", 2)}',
                f"    return {out}",
            ]
        else:
            self.tags.add(
                {"n": "nested_tuple_return", "d": "dict_literal"}.get(ret, "")
            )
            lines.append(f"    return {self.ret_value(sc, fn, 2)}")
        self.tags.discard("")
        self.helpers.append(h)
        return lines

    def entry_params(self) -> list[str]:
        params = ["a"] + [n for n in ("b", "x", "M", "p", "ws") if self.chance(0.5)]
        if self.extended:
            params += [n for n in OBJECTS if self.chance(0.3)]
            self.objects = tuple(n for n in params if n in OBJECTS)
        if not any(PARAM_KINDS[n] in ("v", "m") for n in params):
            params.append(self.pick(["x", "M"]))
        return params

    def main(self, params: list[str] | None = None) -> tuple[list[str], list[str]]:
        params = params or self.entry_params()
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
        body += self.block(sc, fn, 0, self.r.randint(2, 5))
        lines += ["    " + line for line in body]
        lines.append(f"    return {self.ret_value(sc, fn, 2)}")
        return lines, params


SOURCE_TAGS = {
    "field_read": re.compile(r"\b(q|P|pair|model)\.[wcWb]\b"),
    "method_via_class": re.compile(r"\bLin\.(apply|energy)\("),
    "getattr": re.compile(r"\bgetattr\("),
}


def generate(seed: int, index: int, extended: bool = True) -> Program:
    """Program ``index`` of ``seed``: a module with helpers and ``f``; with
    ``extended`` False, the constructs of the first generator only (the
    programs it drew before the others were added)."""
    g = Generator(seed, index, extended)
    params = g.entry_params() if extended else None
    parts = [HEADER if extended else "import numpy as np"]
    for number in range(1, g.r.randint(2, 4)):
        parts.append("\n".join(g.helper(number)))
    g.fillers = []
    if extended and g.chance(0.35):  # (only f calls it: see fills.py)
        parts.append("\n".join(g.filler(len(g.helpers) + 1)))
    main, params = g.main(params)
    parts.append("\n".join(main))
    source = "\n\n\n".join(parts) + "\n"
    if extended:
        g.tags |= {tag for tag, p in SOURCE_TAGS.items() if p.search(source)}
    return Program(seed, index, source, params, sorted(g.tags))
