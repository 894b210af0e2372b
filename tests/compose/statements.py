"""Statements of the composed-program generator: assignments, in-place
updates, branches, loops, closures, comprehensions, early returns, each
drawing its parts (blocks included) from the others, up to a depth."""

from __future__ import annotations

from tests.compose.expressions import (
    COMPOUND,
    HELPER_PARAMS,
    PARAM_KINDS,
    SQUASH,
    Expressions,
    Fn,
    Scope,
    has_call,
)


class Statements(Expressions):
    """Draws statements and blocks (lists of source lines, unindented)."""

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
        kinds += ["return"] if self.chance(0.3) and fn.ret != "d" else []
        if self.extended:
            kinds += self.extended_kinds(sc, fn, depth)
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
        if t in "vm" and name not in PARAM_KINDS and name not in HELPER_PARAMS.values():
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
        if self.extended and self.chance(0.12):  # made for what it changes
            self.tags.add("call_effect")
            return [made]
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
        if form == 0 and self.extended and t == "m" and self.chance(0.5):
            self.tags.add("setitem_row_call")
            e = self.call(sc, "v", 2, fn.helpers) or self.value(sc, "v", 2)
            i = self.index(sc, 2)
            return [f"{name}[{i}, :] = 0.5 * {name}[{i}] + 0.5 * np.tanh({e})"]
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
        if fn.ret == "n":
            s, v, c = (self.value(sc, k, d) for k in "svs")
            return f"{s}, ({v}, {c})"
        if fn.ret == "d":
            return f'{{"w": {self.value(sc, "v", d)}, "b": {self.value(sc, "s", d)}}}'
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
        branches = (
            ["if"] + ["elif"] * self.r.randrange(2) + ["else"] * self.r.randrange(2)
        )
        lines: list[str] = []
        for branch in branches:
            head = f"{branch} {self.cond(sc)}:" if branch != "else" else "else:"
            body = self.sub(sc, fn, depth, self.r.randint(1, 2))
            if every:
                body = [
                    "    " + line for line in self.st_call(sc.child(), fn, depth + 1)
                ] + body
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
        form = self.pick(
            [
                "range",
                "range",
                "rows",
                "elements",
                "list",
                "enumerate",
                "zip",
                "reversed",
            ]
        )
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
            lst, t = self.pick(sc.names("lv") + ["ws"] * ("ws" in sc.vars)), self.fresh(
                "t"
            )
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
        body = self.sub(
            inner, fn, depth, self.r.randint(1, 3), in_loop=True, loop_kind="for"
        )
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
        body = self.sub(
            inner, fn, depth, self.r.randint(1, 2), in_loop=True, loop_kind="while"
        )
        if has_call(body):
            self.tags.add("while_call")
        increment = f"{k} += 1" if self.chance(0.5) else f"{k} = {k} + 1"
        return [f"{k} = 0", head, f"    {increment}"] + step + body

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
        tail = f" + 0.3 * np.sin({late})" if late else ""
        if self.chance(0.25):
            self.tags.add("lambda")
            lines.append(f"{name} = lambda {z}: {self.value(body, t, 2)}{tail}")
        else:
            self.tags.add("closure")
            lines.append(f"def {name}({z}):")
            if self.chance(0.5):
                lines += [
                    f"    if {self.cond(body)}:",
                    f"        return {self.value(body, t, 2)}",
                ]
            lines.append(f"    return {self.value(body, t, 2)}{tail}")
        if late:
            lines.append(f"{late} = {self.value(sc, 's', 2)}")
            sc.vars[late] = "s"
        sc.closures[name] = t
        sc.fixed.add(name)
        if self.chance(0.7):  # called right away (later calls are drawn too)
            self.tags.add("closure_call")
            target, _ = self.target(sc, t)
            lines.append(f"{target} = np.tanh({name}({self.expr(sc, t, 1)}))")
            self.bind(sc, target, t)
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
        closures = [n for n, k in sc.closures.items() if k == "v"]
        if closures and self.chance(0.6):
            item = f"{self.pick(closures)}({self.value(inner, 'v', 1)})"
        else:
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
