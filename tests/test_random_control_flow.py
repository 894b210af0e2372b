"""Property-based tests: random programs with control flow.

Hypothesis draws programs over two scalar parameters ``a``, ``b``, a vector
``v`` and an int ``n``: assignments and reassignments of smooth, bounded
expressions (parameters too); ``if``/``else`` on comparisons of intermediate values; ``for``
loops over ``range(k)`` (``k`` a constant or ``n``); ``while`` loops with a
data-dependent test, always guarded by an iteration counter; ``break`` and
``continue`` on data-dependent conditions. New names are introduced at the
top level only, so every name is bound on every path; names are reassigned
inside constructs only, and the result reads every name.

Each program is written twice to a real file: as drawn, and with every
data-dependent comparison routed through ``_cmp``, which records how far
from a tie it is and which way it went. Inputs where a comparison is within
1e-3 of a tie, or where a small move of the inputs changes the control
path, are rejected (``assume``), so central finite differences see one
smooth piece; so are inputs where finite differences with two step sizes
disagree (the program is too ill-conditioned there to check a gradient).
The gradient must then match finite differences.

``test_random_control_flow`` draws the constructs in their plainest form.
``test_random_control_flow_hazards`` (a fixed seed) also draws the patterns
behind failures found earlier: tuple swaps in a construct, a value read and
then updated for the next trip only (the result does not read every name),
loop targets read after the loop, loops over ``reversed(range(k))``, and
``+=``/``*=`` on names a condition reads.
``test_random_control_flow_with_raise`` adds ``if ...: raise Guard(...)``
statements: at inputs where the program raises, its gradient and tangent
must raise ``Guard`` too.
"""

from __future__ import annotations

import importlib.util
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import adcompile
from tests.forwardcheck import check_jvp
from tests.gradcheck import check_grad, numeric_directional_derivative

SCALAR_EXPRESSIONS = [
    "np.sin({x}) * {y}",
    "0.5 * {x} + 0.3 * {y}",
    "np.tanh({x} + {y})",
    "{x} * np.cos({y})",
    "np.sqrt({x} * {x} + 1.0)",
    "np.sum(np.sin({u})) * 0.3 + {x}",
    "{x} * 0.9 - 0.1",
    "np.mean({u} * {x})",
    "np.exp(-{x} * {x}) + {y} * 0.5",
]
VECTOR_EXPRESSIONS = [
    "np.sin({u}) * {x}",
    "{u} * 0.5 + {x}",
    "np.tanh({u} * {y})",
    "{u} * np.cos({w}) * 0.7",
    "{u} * 0.8 - np.sin({x}) * 0.1",
]
CONDITIONS = [  # (left, operator, right): a comparison on data
    ("{x}", ">", "{y}"),
    ("{x}", "<", "0.3"),
    ("np.sum({u})", ">", "{x}"),
    ("{x} * {y}", "<", "0.2"),
]


@dataclass
class Program:
    """What the generator knows while it draws one program."""

    draw: st.DrawFn
    hazards: frozenset[str]  # patterns of known failures to draw too
    scalars: list[str] = field(default_factory=lambda: ["a", "b"])
    vectors: list[str] = field(default_factory=lambda: ["v"])
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    loop_targets: list[str] = field(default_factory=list)

    def pick(self, names: list[str]) -> str:
        return self.draw(st.sampled_from(names))

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def condition(self) -> tuple[str, str, str]:
        left, op, right = self.draw(st.sampled_from(CONDITIONS))
        names = dict(
            x=self.pick(self.scalars),
            y=self.pick(self.scalars),
            u=self.pick(self.vectors),
        )
        return left.format(**names), op, right.format(**names)

    def expression(self, vector: bool, loop_target: str | None) -> str:
        names = dict(
            x=self.pick(self.scalars),
            y=self.pick(self.scalars),
            u=self.pick(self.vectors),
            w=self.pick(self.vectors),
        )
        templates = VECTOR_EXPRESSIONS if vector else SCALAR_EXPRESSIONS
        text = self.draw(st.sampled_from(templates)).format(**names)
        if loop_target is not None and self.draw(st.booleans()):
            text = f"{text} + 0.1 * {loop_target}"
        return text


# A statement is a list of (indent, text, condition) lines; ``condition`` is
# None or (left, op, right), written ``left op right`` or, traced,
# ``_cmp(left, right, "op")`` in place of ``{cond}`` in ``text``.
Line = tuple[int, str, "tuple[str, str, str] | None"]


def _assignment(p: Program, top_level: bool, loop_target: str | None) -> list[Line]:
    vector = p.draw(st.booleans())
    names = p.vectors if vector else p.scalars
    expression = p.expression(vector, loop_target)
    # Top-level statements reassign names only when the result may not read
    # every final value ("few_reads"): otherwise the result reads the last
    # value of every name, including those loops carry.
    if top_level and ("few_reads" not in p.hazards or p.draw(st.booleans())):
        target = p.fresh("w" if vector else "s")
        lines = [(0, f"{target} = {expression}", None)]
        names.append(target)
        return lines
    if "swap" in p.hazards and not vector and p.draw(st.integers(0, 4)) == 0:
        first, second = p.pick(p.scalars), p.pick(p.scalars)
        if first != second:  # a swap: each side reads the other's old value
            swap = f"{first}, {second} = {second} * 1.0, {first} * 0.9"
            return [(0, swap, None)]  # (no aliases: += stays allowed)
    if "in_place" in p.hazards and p.draw(st.booleans()):
        operator = p.draw(st.sampled_from(["+=", "-=", "*="]))
        if operator == "*=":
            expression = f"np.tanh({p.pick(p.scalars)})"
        # not into the parameters: the caller's arrays would change, and
        # finite differences would be taken at the changed values
        made = names[1:] if vector else names[2:]
        return [(0, f"{p.pick(made)} {operator} {expression}", None)]
    return [(0, f"{p.pick(names)} = {expression}", None)]


def _block(
    p: Program, depth: int, in_loop: bool, loop_target: str | None
) -> list[Line]:
    lines: list[Line] = []
    for _ in range(p.draw(st.integers(1, 3))):
        lines += _statement(p, depth, in_loop, loop_target, top_level=False)
    return lines


def _indent(lines: list[Line], by: int = 1) -> list[Line]:
    return [(indent + by, text, cond) for indent, text, cond in lines]


def _statement(
    p: Program, depth: int, in_loop: bool, loop_target: str | None, top_level: bool
) -> list[Line]:
    kinds = ["assign", "assign"]
    if depth < 2:
        kinds += ["if", "for", "while"]
    if in_loop:
        kinds += ["jump"]
    if "raise" in p.hazards:
        kinds += ["raise"]
    kind = p.draw(st.sampled_from(kinds))
    if kind == "assign":
        return _assignment(p, top_level, loop_target)
    if kind == "raise":
        return [(0, "if {cond}:", p.condition()), (1, 'raise Guard("guard")', None)]
    if kind == "jump":
        jump = p.draw(st.sampled_from(["break", "continue"]))
        return [(0, "if {cond}:", p.condition()), (1, jump, None)]
    if kind == "if":
        lines: list[Line] = [(0, "if {cond}:", p.condition())]
        lines += _indent(_block(p, depth + 1, in_loop, loop_target))
        if p.draw(st.booleans()):
            lines += [(0, "else:", None)]
            lines += _indent(_block(p, depth + 1, in_loop, loop_target))
        return lines
    if kind == "for":
        target = p.fresh("k")
        p.loop_targets.append(target)
        bound = p.draw(st.sampled_from(["2", "3", "n"]))
        iterable = f"range({bound})"
        if "reversed" in p.hazards and p.draw(st.integers(0, 3)) == 0:
            iterable = f"reversed(range({bound}))"
        lines = [(0, f"for {target} in {iterable}:", None)]
        return lines + _indent(_block(p, depth + 1, True, target))
    # a while loop, guarded by its own counter (incremented first, so that a
    # continue cannot skip it)
    counter = p.fresh("count")
    x = p.pick(p.scalars)
    limit = p.draw(st.sampled_from(["0.5", "1.0", "2.0"]))
    lines = [
        (0, f"{counter} = 0", None),
        (0, "while {cond} and " + f"{counter} < 4:", (x, "<", limit)),
        (1, f"{counter} = {counter} + 1", None),
    ]
    return lines + _indent(_block(p, depth + 1, True, loop_target))


@st.composite
def programs(draw, hazards: frozenset[str] = frozenset()) -> list[Line]:
    p = Program(draw, hazards)
    lines: list[Line] = [
        (0, "s0 = np.sin(a) + b", None),
        (0, "w0 = v * b", None),
    ]
    p.scalars.append("s0")
    p.vectors.append("w0")
    for _ in range(draw(st.integers(2, 5))):
        lines += _statement(p, 0, False, None, top_level=True)
    if "few_reads" in hazards:  # others names carry values between trips only
        terms = [p.scalars[-1], f"np.sum({p.vectors[-1]})"]
    else:  # the result reads every name
        terms = p.scalars + [f"np.sum({u})" for u in p.vectors]
    if "targets" in hazards:
        terms += [f"{k} * a" for k in p.loop_targets[-1:]]
    lines.append((0, "return " + " + ".join(terms), None))
    return lines


def render(lines: list[Line], traced: bool) -> str:
    body = []
    for indent, text, cond in lines:
        if cond is not None:
            left, op, right = cond
            written = (
                f'_cmp({left}, {right}, "{op}")' if traced else f"{left} {op} {right}"
            )
            text = text.replace("{cond}", written)
        body.append("    " * (indent + 1) + text)
    return "\n".join(["def f(a, b, v, n):", *body])


TRACING = '''
PATH = []


def _cmp(left, right, op):
    """A comparison that records its margin and outcome in PATH."""
    PATH.append((abs(float(left) - float(right)), left > right))
    return left > right if op == ">" else left < right
'''
_counter = itertools.count()


GUARD = '''

class Guard(Exception):
    """What a drawn ``raise`` raises."""
'''


def load(tmp_dir: Path, text: str, tracing: bool = False):
    path = tmp_dir / f"random_control_flow_{next(_counter)}.py"
    prelude = "import numpy as np\n" + GUARD + (TRACING if tracing else "")
    path.write_text(prelude + "\n\n" + text + "\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def path_of(module, args) -> list[tuple[float, bool]] | None:
    """The comparisons made at ``args``; None where the program raises."""
    module.PATH.clear()
    try:
        value = module.f(*args)
    except NameError:  # a loop target read after a loop that did not run
        assume(False)
    except module.Guard:
        return None
    assume(np.isfinite(value))
    return list(module.PATH)


def check_raises_too(f, args) -> None:
    """Where the program raises, so do its gradient and its tangent."""
    derivatives = [
        lambda: adcompile.grad(f, wrt=(0, 1, 2))(*args),
        lambda: adcompile.jvp(f, args, (1.0, 1.0, np.ones(3), None)),
    ]
    for derivative in derivatives:
        try:
            derivative()
        except Exception as error:
            assert type(error).__name__ == "Guard", error
        else:
            raise AssertionError("the program raises, its derivative did not")


def arguments(a: float, b: float) -> tuple:
    return (a, b, np.array([0.3, -0.8, 0.5]), 3)


def check(tmp_path: Path, lines: list[Line], a: float, b: float) -> None:
    assume(abs(a - b) > 0.01)  # a tie between the inputs puts them on a branch edge
    text = render(lines, traced=False)
    traced = load(tmp_path, render(lines, traced=True), tracing=True)
    args = arguments(a, b)
    path = path_of(traced, args)
    if path is None:
        check_raises_too(load(tmp_path, text).f, args)
        return
    assume(all(margin > 1e-3 for margin, _ in path))
    assume(abs(traced.f(*args)) < 1e3)
    rng = np.random.default_rng(0)
    for _ in range(4):  # the same path a little way off, in any direction
        da, db = rng.standard_normal(2) * 1e-4
        dv = rng.standard_normal(3) * 1e-4
        moved = (a + da, b + db, args[2] + dv, 3)
        moved_path = path_of(traced, moved)
        assume(moved_path is not None)
        assume([o for _, o in moved_path] == [o for _, o in path])
    f = load(tmp_path, text).f
    assume(finite_differences_settle(f, args))
    try:
        check_grad(f, args, wrt=(0, 1, 2))
        check_jvp(f, args, wrt=(0, 1, 2))  # forward mode agrees
    except adcompile.AdcompileError as error:
        # writing into a parameter and also rebinding it is refused by design:
        # which array the caller's ends up as would depend on the path taken
        assume("both updated in place and given a new value" not in error.reason)
        raise AssertionError(f"refused a supported program:\n{text}\n{error}") from None
    except AssertionError as error:
        raise AssertionError(f"wrong gradient for:\n{text}\n{error}") from None


HAZARDS = frozenset({"swap", "reversed", "few_reads", "targets", "in_place"})


def finite_differences_settle(f, args) -> bool:
    """Along the directions ``check_grad`` uses, finite differences with steps
    1e-5 and 1e-6 agree: the program is not so ill-conditioned there (say,
    tanh(a + a) iterated 16 times at 0) that they cannot check a gradient."""
    rng = np.random.default_rng(0)
    for _ in range(3):
        vs = [float(rng.standard_normal()), float(rng.standard_normal())]
        vs.append(rng.standard_normal(3))
        norm = float(np.sqrt(vs[0] ** 2 + vs[1] ** 2 + np.sum(vs[2] ** 2)))
        vs = [v / norm for v in vs]
        coarse, fine = (
            numeric_directional_derivative(f, args, (0, 1, 2), vs, h)
            for h in (1e-5, 1e-6)
        )
        if abs(coarse - fine) > 1e-6 + 1e-6 * abs(fine):
            return False
    return True


COORDINATE = st.floats(-1.5, 1.5, allow_nan=False).map(lambda x: round(x, 3))
SETTINGS = dict(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.too_slow,
    ],
)


@settings(max_examples=40, **SETTINGS)
@given(lines=programs(), a=COORDINATE, b=COORDINATE)
def test_random_control_flow(tmp_path, lines, a, b):
    check(tmp_path, lines, a, b)


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    **SETTINGS,
)
@given(lines=programs(hazards=HAZARDS), a=COORDINATE, b=COORDINATE)
def test_random_control_flow_hazards(tmp_path, lines, a, b):
    check(tmp_path, lines, a, b)


@settings(max_examples=30, **SETTINGS)
@given(lines=programs(hazards=frozenset({"raise"})), a=COORDINATE, b=COORDINATE)
def test_random_control_flow_with_raise(tmp_path, lines, a, b):
    """Guards that raise on data-dependent conditions, anywhere: where the
    program raises, its derivatives raise; elsewhere, their values are right."""
    check(tmp_path, lines, a, b)
