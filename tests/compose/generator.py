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

from dataclasses import dataclass

from tests.compose.expressions import (
    HELPER_PARAMS,
    PARAM_KINDS,
    Fn,
    Helper,
    Scope,
    has_call,
)
from tests.compose.statements import Statements

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


class Generator(Statements):
    """Draws one program: helpers first (each may call the earlier ones),
    then the entry function ``f``."""

    def helper(self, number: int) -> list[str]:
        ret = self.pick(["s", "v", "v", "t"])
        params = self.r.sample(["s", "v", "m"], self.r.randint(1, 2))
        if "s" not in params and "v" not in params:
            params.append("v")
        name = f"h{number}"
        recursive = self.chance(0.25)
        h = Helper(name, params, ret, recursive)
        sc = Scope()
        names = HELPER_PARAMS
        for kind in params:
            sc.vars[names[kind]] = kind
        signature = [names[k] for k in params] + (["depth"] if recursive else [])
        lines = [f"def {name}({', '.join(signature)}):"]
        fn = Fn(ret, list(self.helpers), 2)
        if recursive:
            self.tags.add("recursion")
            lines += [
                "    if depth <= 0:",
                f"        return {self.ret_value(sc, fn, 1)}",
            ]
        body = self.block(sc, fn, 1, self.r.randint(1, 3))
        if recursive:
            args = [self.value(sc, k, 1) for k in params]
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
        body += self.block(sc, fn, 0, self.r.randint(2, 5))
        lines += ["    " + line for line in body]
        lines.append(f"    return {self.ret_value(sc, fn, 2)}")
        return lines, params


def generate(seed: int, index: int) -> Program:
    """Program ``index`` of ``seed``: a module with helpers and ``f``."""
    g = Generator(seed, index)
    parts = ["import numpy as np"]
    for number in range(1, g.r.randint(2, 4)):
        parts.append("\n".join(g.helper(number)))
    main, params = g.main()
    parts.append("\n".join(main))
    source = "\n\n\n".join(parts) + "\n"
    return Program(seed, index, source, params, sorted(g.tags))
