"""Run one generated program through every mode and classify it.

``check_program(program)`` (or ``check_source(source, params, seed)``)
loads the module from a temporary file, draws inputs away from branch
flips, and checks ``grad``, ``value_and_grad``, ``vjp``, ``jvp``,
``grad_first`` (``grad`` with respect to the first parameter only: code on
the others runs as written), (optionally) ``hvp``, and ``build`` (the
gradient of the module ``adcompile build`` writes, imported and called)
against finite differences and against ``f`` itself.
Each mode ends as one of ``pass``, ``refused``, ``refused_unlocated``,
``crash``, ``wrong`` or ``deviation``; the program takes the worst of its
modes, or ``skipped_nonsmooth`` / ``skipped_slow`` / ``invalid`` (the
program itself failed: a generator bug) before any mode runs.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import itertools
import math
import re
import shutil
import signal
import tempfile
import textwrap
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import adcompile
from adcompile._src.tools.loading import CliError
from tests.compose.built import run_build
from tests.compose.generator import Program
from tests.compose.trees import (
    close,
    draw_args,
    fd,
    inner,
    like,
    same,
    tree_map,
    unit_directions,
)

__all__ = [
    "MODES",
    "ModeResult",
    "Result",
    "check_index",
    "check_program",
    "check_source",
]

MODES = ("grad", "value_and_grad", "vjp", "jvp", "grad_first", "hvp", "build")
IN_PROCESS = MODES[:-1]  # check_source's default: building a module takes longer
# worst first: a program takes the first class any of its modes has
SEVERITY = ("wrong", "deviation", "crash", "refused_unlocated", "refused", "pass")
LOCATION = re.compile(r'File "([^"]+)", line (\d+), col (\d+)')
BUILD_LOCATION = re.compile(r"\(([^()]+\.py):(\d+):(\d+)\)")  # build's one-line form
RTOL, ATOL = 1e-5, 1e-6
_modules = itertools.count()
TYPES = {"NoneType", "float", "int", "list", "dict", "tuple", "str", "bool"}


class Timeout(Exception):
    """A program took longer than its time budget."""


@dataclass
class ModeResult:
    """How one mode ended: its class, a group key and a detail message."""

    status: str
    kind: str = ""
    detail: str = ""


@dataclass
class Result:
    """The outcome of one program."""

    id: str
    klass: str
    tags: list[str]
    modes: dict[str, ModeResult] = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0

    def failures(self) -> list[tuple[str, ModeResult]]:
        """(mode, result) of the modes that did not pass or refuse cleanly."""
        bad = ("wrong", "deviation", "crash", "refused_unlocated")
        return [(m, r) for m, r in self.modes.items() if r.status in bad]


class Failure(Exception):
    """A check failed: ``status`` is wrong or deviation."""

    def __init__(self, status: str, kind: str, detail: str = "") -> None:
        super().__init__(kind)
        self.status, self.kind, self.detail = status, kind, detail


# ---- one program ------------------------------------------------------------


def load(source: str, directory: Path) -> Any:
    name = f"composed_{next(_modules)}_{time.time_ns() % 10**9}"
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pattern(message: str) -> str:
    """A message with its numbers and generated names blanked, for grouping."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = re.sub(r"\b([A-Za-z_]+?)\d+\b", r"\1N", first)
    first = re.sub(r"\d+(\.\d+)?", "N", first)
    # the derivative function a message names, and the parameters it lists
    first = re.sub(r"__adcompile_factory__\.<locals>\.[\w.<>]*?<locals>\.", "", first)
    first = re.sub(r"parameter\(s\): .*", "parameter(s): ...", first)
    first = re.sub(r"composed_N_N\.", "", first)
    first = re.sub(r"'(\w+)'", lambda m: m[0] if m[1] in TYPES else "'NAME'", first)
    return first[:160]


def where(error: BaseException, module_file: str) -> str:
    """Which code raised: the deepest frame in emitted derivative code
    (``emitted``), in adcompile's source (``adcompile``) or in the program
    (``program``); ``+lib`` when frames of a library (numpy) are below it."""
    frames = traceback.extract_tb(error.__traceback__)
    for depth, frame in enumerate(reversed(frames)):
        name = frame.filename
        if name.startswith("<adcompile"):
            found = "emitted"
        elif "/adcompile/" in name:
            found = "adcompile"
        elif name == module_file:
            found = "program"
        else:
            continue
        return found + ("+lib" if depth else "")
    return "other"


class Run:
    """The state shared by the modes of one program's check."""

    def __init__(self, f: Callable[..., Any], args: list, module_file: str) -> None:
        self.f, self.args, self.module_file = f, args, module_file
        self.wrt = tuple(range(len(args)))
        left = copy.deepcopy(args)
        self.value = float(f(*left))
        self.left = left  # what f leaves in its arguments
        self.grad_fn: Any = None
        self.module: Any = None  # the program's module

    def fresh(self) -> list[Any]:
        return copy.deepcopy(self.args)

    def check_args(self, mode: str, called: list[Any]) -> None:
        for position, (got, want) in enumerate(zip(called, self.left, strict=False)):
            if not same(got, want):
                raise Failure(
                    "deviation",
                    f"{mode}: argument left unlike f leaves it",
                    f"argument {position}: {got!r} but f leaves {want!r}",
                )

    def check_value(self, mode: str, value: Any) -> None:
        if np.ndim(value) != 0 or not np.isclose(
            float(value), self.value, rtol=1e-10, atol=1e-12
        ):
            raise Failure(
                "deviation",
                f"{mode}: value differs from f",
                f"{value!r} vs {self.value!r}",
            )

    def check_directional(
        self, mode: str, got: float, reference: tuple[float, ...]
    ) -> None:
        if not any(
            abs(got - r) <= ATOL + RTOL * max(abs(got), abs(r)) for r in reference
        ):
            raise Failure(
                "wrong",
                f"{mode}: derivative disagrees with finite differences",
                f"got {got!r}, finite differences {reference!r}",
            )

    def check_gradient(self, mode: str, g: Any, directions: list, refs: list) -> None:
        if (
            not isinstance(g, tuple)
            or len(g) != len(self.args)
            or not all(like(x, a) for x, a in zip(g, self.args, strict=False))
        ):
            raise Failure(
                "wrong",
                f"{mode}: gradient of the wrong structure or type",
                repr(g)[:300],
            )
        for v, reference in zip(directions, refs, strict=False):
            self.check_directional(mode, inner(list(g), v), reference)


def run_grad(run: Run, directions: list, refs: list) -> None:
    run.grad_fn = adcompile.grad(run.f, wrt=run.wrt)
    results = []
    for _ in range(2):  # general code, then the variant for these shapes
        called = run.fresh()
        results.append(run.grad_fn(*called))
        run.check_args("grad", called)
        run.check_gradient("grad", results[-1], directions, refs)
    if not close(results[0], results[1]):
        raise Failure(
            "wrong", "grad: second call differs", f"{results[0]!r} vs {results[1]!r}"
        )


def run_value_and_grad(run: Run, directions: list, refs: list) -> None:
    both = adcompile.value_and_grad(run.f, wrt=run.wrt)
    results = []
    for _ in range(2):
        called = run.fresh()
        value, g = both(*called)
        run.check_args("value_and_grad", called)
        run.check_value("value_and_grad", value)
        run.check_gradient("value_and_grad", g, directions, refs)
        results.append(g)
    if not close(results[0], results[1]):
        raise Failure("wrong", "value_and_grad: second call differs")


def run_vjp(run: Run, directions: list, refs: list) -> None:
    called = run.fresh()
    value, pullback = adcompile.vjp(run.f, *called, wrt=run.wrt)
    run.check_args("vjp", called)
    run.check_value("vjp", value)
    first = pullback(1.0)
    run.check_gradient("vjp", first, directions, refs)
    if not close(first, pullback(1.0)):
        raise Failure("wrong", "vjp: second pullback call differs")


def run_jvp(run: Run, directions: list, refs: list) -> None:
    tangents = []
    for v, reference in zip(directions[:2], refs[:2], strict=False):
        called = run.fresh()
        primal, tangent = adcompile.jvp(run.f, tuple(called), tuple(v))
        run.check_args("jvp", called)
        run.check_value("jvp", primal)
        if np.ndim(tangent) != 0:
            raise Failure("wrong", "jvp: tangent is not a scalar", repr(tangent))
        run.check_directional("jvp", float(tangent), reference)
        tangents.append(float(tangent))
    _, again = adcompile.jvp(run.f, tuple(run.fresh()), tuple(directions[0]))
    if not np.isclose(float(again), tangents[0], rtol=1e-9, atol=1e-12):
        raise Failure(
            "wrong", "jvp: second call differs", f"{again!r} vs {tangents[0]!r}"
        )


def run_grad_first(run: Run, directions: list, refs: list) -> None:
    """``grad`` with respect to the first parameter only: the others carry
    no derivative, and code on them runs as written (a loop over one of
    them, a helper writing into one), which must still do what ``f``
    does."""
    if len(run.args) < 2:
        return
    first = adcompile.grad(run.f, wrt=0)
    for v in directions[:2]:
        only = [v[0], *(tree_map(lambda t: t * 0.0, w) for w in v[1:])]
        fn = lambda *a: run.f(*copy.deepcopy(list(a)))  # noqa: E731
        d = [fd(fn, run.args, only, h) for h in (1e-4, 1e-5, 1e-6)]
        called = run.fresh()
        g = first(*called)
        run.check_args("grad_first", called)
        if not like(g, run.args[0]):
            raise Failure(
                "wrong", "grad_first: gradient of the wrong type", repr(g)[:300]
            )
        run.check_directional(
            "grad_first", inner(g, v[0]), ((4 * d[1] - d[0]) / 3, *d[1:])
        )


def run_hvp(run: Run, directions: list, refs: list) -> None:
    v, u = directions[0], directions[1]
    if run.grad_fn is None:
        run.grad_fn = adcompile.grad(run.f, wrt=run.wrt)
    called = run.fresh()
    product = adcompile.hvp(run.f, tuple(called), tuple(v))
    run.check_args("hvp", called)
    product = product if len(run.args) > 1 else (product,)
    if (
        not isinstance(product, tuple)
        or len(product) != len(run.args)
        or not all(like(x, a) for x, a in zip(product, run.args, strict=False))
    ):
        raise Failure(
            "wrong", "hvp: product of the wrong structure", repr(product)[:300]
        )
    got = inner(list(product), u)

    def projected(*point: Any) -> float:
        return inner(list(run.grad_fn(*copy.deepcopy(list(point)))), u)

    numeric = tuple(fd(projected, run.args, v, h) for h in (1e-4, 1e-5))
    if not any(abs(got - r) <= 1e-5 + 1e-4 * max(abs(got), abs(r)) for r in numeric):
        raise Failure(
            "wrong",
            "hvp: <Hv, u> disagrees with differences of grad",
            f"got {got!r}, differences {numeric!r}",
        )


RUNNERS = {
    "grad": run_grad,
    "value_and_grad": run_value_and_grad,
    "vjp": run_vjp,
    "jvp": run_jvp,
    "grad_first": run_grad_first,
    "hvp": run_hvp,
    "build": run_build,
}


def classify(error: BaseException, module_file: str) -> ModeResult:
    if isinstance(error, Failure):
        return ModeResult(error.status, error.kind, error.detail[:600])
    message = str(error)
    refusal = (  # adcompile's, a built module's own stand-in, or build's
        isinstance(error, (adcompile.AdcompileError, CliError))
        or "AdcompileError" in (base.__name__ for base in type(error).__mro__)
    )
    if refusal:
        located = any(
            Path(m.group(1)).name == Path(module_file).name
            for places in (LOCATION, BUILD_LOCATION)
            for m in places.finditer(message)
        )
        status = "refused" if located else "refused_unlocated"
        return ModeResult(
            status, f"{type(error).__name__}: {pattern(message)}", message[:600]
        )
    kind = f"{type(error).__name__}: {pattern(message)} [{where(error, module_file)}]"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if Path(frame.filename).name != "check.py"
    ]
    tb = "".join(traceback.format_list(frames[-4:]))
    return ModeResult(
        "crash", kind, f"{type(error).__name__}: {message[:300]}\n{tb[-1200:]}"
    )


def smooth_point(f: Callable[..., Any], params: list[str], seed: int):
    """Inputs where f is finite and finite differences settle, with the
    directions and reference directional derivatives; or a reason."""
    reason = "skipped_nonsmooth"
    for attempt in range(4):
        rng = np.random.default_rng([seed, attempt])
        args = draw_args(params, rng, getattr(f, "__globals__", None))
        start = time.perf_counter()
        value = float(f(*copy.deepcopy(args)))
        if time.perf_counter() - start > 1.0:
            return None, "skipped_slow"
        if not math.isfinite(value) or abs(value) > 1e6:
            continue
        directions = unit_directions(args, rng, 3)
        refs = []
        for v in directions:
            fn = lambda *a: f(*copy.deepcopy(list(a)))  # noqa: E731
            d = [fd(fn, args, v, h) for h in (1e-4, 1e-5, 1e-6)]
            scale = 1.0 + abs(d[1])
            if abs(d[0] - d[1]) > 1e-5 * scale or abs(d[1] - d[2]) > 1e-5 * scale:
                break
            refs.append(((4 * d[1] - d[0]) / 3, d[1], d[2]))  # Richardson first
        else:
            return (args, directions, refs), ""
    return None, reason


def check_body(
    body: str,
    params: list[str],
    seed: int,
    program_id: str,
    modes: tuple[str, ...] = IN_PROCESS,
) -> Result:
    """``check_source`` of a program written out in a test (indented, numpy
    imported for it)."""
    source = "import numpy as np\n" + textwrap.dedent(body)
    return check_source(source, params, seed=seed, program_id=program_id, modes=modes)


def check_source(
    source: str,
    params: list[str],
    seed: int,
    program_id: str = "",
    tags: list[str] | None = None,
    hvp: bool = True,
    budget: float = 90.0,  # (six modes, each compiled: 15 s apiece)
    modes: tuple[str, ...] = IN_PROCESS,
) -> Result:
    """Check the module ``source`` whose entry ``f`` takes ``params``."""
    result = Result(program_id, "pass", list(tags or []))
    start = time.perf_counter()
    directory = Path(tempfile.mkdtemp(prefix="adcompile-compose-"))

    def alarm(signum: int, frame: Any) -> None:
        raise Timeout(f"over {budget:.0f}s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        try:
            module = load(source, directory)
            point, reason = smooth_point(module.f, params, seed)
        except Timeout:
            raise
        except Exception as error:  # the program itself fails: a generator bug
            result.klass, result.detail = "invalid", f"{type(error).__name__}: {error}"
            return result
        if point is None:
            result.klass = reason
            return result
        args, directions, refs = point
        run = Run(module.f, args, module.__file__)
        run.module = module
        for mode, runner in RUNNERS.items():
            if mode not in modes:
                continue
            grad = result.modes.get("grad", ModeResult("pass"))
            if mode == "hvp" and (not hvp or grad.status != "pass"):
                continue
            try:
                runner(run, directions, refs)
                result.modes[mode] = ModeResult("pass")
            except Timeout:
                result.modes[mode] = ModeResult(
                    "crash", "Timeout [budget]", f"over {budget}s"
                )
                break
            except Exception as error:
                result.modes[mode] = classify(error, module.__file__)
        # (a module built ahead of time may refuse what runs in process: a
        # closure handed on as a value; that refusal is the build mode's own)
        statuses = {
            r.status
            for m, r in result.modes.items()
            if not (m == "build" and r.status == "refused")
        }
        result.klass = next(s for s in SEVERITY if s in statuses | {"pass"})
    except Timeout:
        result.klass, result.detail = "skipped_slow", "over the time budget"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        shutil.rmtree(directory, ignore_errors=True)
        result.seconds = time.perf_counter() - start
    return result


def check_index(job: tuple) -> dict[str, Any]:
    """Check program ``index`` of ``seed``, with hvp on every ``hvp_every``-th
    program (0: none), as a dict (what a worker process sends back); a
    fourth item False draws the first generator's constructs only, a fifth
    builds every so many programs ahead of time (default 4; 0: none)."""
    from tests.compose.generator import generate

    seed, index, hvp_every, *rest = job
    extended = rest[0] if rest else True
    build_every = rest[1] if len(rest) > 1 else 4
    program = generate(seed, index, extended=extended)
    result = check_program(
        program,
        hvp=hvp_every > 0 and index % hvp_every == 0,
        build=build_every > 0 and index % build_every == 2 % build_every,
    )
    return dataclasses.asdict(result)


def check_program(
    program: Program, hvp: bool | None = None, build: bool | None = None
) -> Result:
    """Check a generated program (hvp on every fourth program by default,
    and ``adcompile build`` on every fourth from the third)."""
    if hvp is None:
        hvp = program.index % 4 == 0
    if build is None:
        build = program.index % 4 == 2
    seed = program.seed * 1_000_003 + program.index
    modes = MODES if build else IN_PROCESS
    return check_source(
        program.source, program.params, seed, program.id, program.tags, hvp, modes=modes
    )
