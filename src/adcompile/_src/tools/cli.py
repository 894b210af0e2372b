"""The ``adcompile`` command line.

    adcompile --version
    adcompile show FILE.py[:FUNC|:Class.method] [--wrt a,b] [--mode M]
                   [--args EXPRS] [--no-color]
    adcompile build [FILE.py] [-o OUT.py] [--func NAME [--wrt a,b]
                    [--args EXPRS]]... [--mode M] [--check]

``show`` prints the derivative source adcompile emits for one function or
method, or for every function and method of FILE.py. ``build`` writes a
module of gradient functions that needs only numpy (see ``tools.build``);
``build --check`` exits 1 when such a module is stale. Problems with the
user's input (missing file, import failure, unknown function, a function
adcompile refuses) end in one ``adcompile: error: ...`` message on stderr
and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FunctionType

from adcompile._src.tools.args import variant_source as _variant_source
from adcompile._src.tools.loading import (
    CliError,
    default_wrt,
    load_module,
    members,
    parse_wrt,
)
from adcompile._version import __version__

PROG = "adcompile"
EXIT_USAGE = 2

_COMMENT_COLOR = "\033[2;32m"  # dim green
_RESET = "\033[0m"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is required", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.handler(args)
    except CliError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `adcompile show big.py | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Source-to-source automatic differentiation (reverse and "
        "forward mode) for Python + NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    show = commands.add_parser(
        "show",
        help="print the derivative code adcompile generates",
        description="Print the gradient source of FUNC in FILE.py, or of every "
        "top-level function in FILE.py when FUNC is not given.",
    )
    show.add_argument("target", metavar="FILE.py[:FUNC|:Class.method]")
    show.add_argument(
        "--wrt",
        type=parse_wrt,
        default=None,
        metavar="NAMES",
        help="comma-separated parameter names (or positions) to differentiate "
        "with respect to; default: the first parameter",
    )
    show.add_argument(
        "--mode",
        choices=("reverse", "forward", "hvp"),
        default="reverse",
        help="reverse: the gradient (default); forward: the tangent program "
        "(jvp); hvp: the tangent program of the gradient (Hessian-vector "
        "products)",
    )
    show.add_argument(
        "--args",
        metavar="EXPRS",
        help='example arguments, as Python expressions ("np.ones(3), 2.0"): '
        "show the variant of the gradient compiled for their shapes",
    )
    show.add_argument("--no-color", action="store_true", help="never color the output")
    show.set_defaults(handler=_cmd_show)

    build = commands.add_parser(
        "build",
        help="write a module of gradient functions that needs only numpy",
        description="Write OUT.py with grad_NAME and value_and_grad_NAME for "
        "functions of FILE.py (default: every function adcompile can "
        "differentiate). Without FILE.py, build what [tool.adcompile] in the "
        "nearest pyproject.toml lists.",
    )
    build.add_argument("source", nargs="?", metavar="FILE.py")
    build.add_argument(
        "-o",
        "--output",
        metavar="OUT.py",
        help="the module to write; default: FILE_grad.py next to FILE.py",
    )
    build.add_argument(
        "--func",
        action=_FuncAction,
        dest="functions",
        metavar="NAME",
        help="a function to build (repeatable); default: all it can build",
    )
    build.add_argument(
        "--wrt",
        action=_WrtAction,
        dest="functions",
        metavar="NAMES",
        help="parameters the preceding --func is differentiated with respect "
        "to; default: its first",
    )
    build.add_argument(
        "--args",
        action=_ArgsAction,
        dest="functions",
        metavar="EXPRS",
        help="example arguments of the preceding --func: build the variant of "
        "its gradient for their shapes, which refuses other shapes",
    )
    build.add_argument(
        "--mode",
        choices=("reverse", "forward", "hvp"),
        default="reverse",
        help="reverse: grad_NAME, value_and_grad_NAME and vjp_NAME (default); "
        "forward: jvp_NAME; hvp: hvp_NAME",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a module is missing or stale",
    )
    build.set_defaults(handler=_cmd_build, functions=None)
    return parser


class _FuncAction(argparse.Action):
    """``--func NAME``: appends ``[NAME, wrt]`` (wrt set by a later --wrt)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parts = str(values).split(".")
        if len(parts) > 2 or not all(part.isidentifier() for part in parts):
            raise argparse.ArgumentError(
                self, f"not a function name (NAME or Class.method): {values!r}"
            )
        functions = list(getattr(namespace, self.dest) or [])
        if any(function[0] == values for function in functions):
            raise argparse.ArgumentError(self, f"{values} is given twice")
        setattr(namespace, self.dest, [*functions, [values, None, None]])


class _WrtAction(argparse.Action):
    """``--wrt NAMES``: sets what the preceding ``--func`` is taken wrt."""

    def __call__(self, parser, namespace, values, option_string=None):
        functions = getattr(namespace, self.dest)
        if not functions:
            raise argparse.ArgumentError(self, "must follow the --func it applies to")
        if functions[-1][1] is not None:
            raise argparse.ArgumentError(
                self, f"given twice for --func {functions[-1][0]}"
            )
        functions[-1][1] = parse_wrt(values)


class _ArgsAction(argparse.Action):
    """``--args EXPRS``: the preceding ``--func`` is built as the variant for
    the shapes of these example arguments."""

    def __call__(self, parser, namespace, values, option_string=None):
        functions = getattr(namespace, self.dest)
        if not functions:
            raise argparse.ArgumentError(self, "must follow the --func it applies to")
        if functions[-1][2] is not None:
            raise argparse.ArgumentError(
                self, f"given twice for --func {functions[-1][0]}"
            )
        functions[-1][2] = values


# -- show ---------------------------------------------------------------------


def _cmd_show(args: argparse.Namespace) -> int:
    from adcompile._src.errors import AdcompileError

    path, func_name = _split_target(args.target)
    if args.args is not None and func_name is None:
        raise CliError(f"--args needs one function: {path}:FUNC")
    if args.args is not None and args.mode != "reverse":
        raise CliError(
            f"--args shows the variant of the gradient for their shapes: "
            f"only in reverse mode, not --mode {args.mode}"
        )
    module = load_module(path)
    color = not args.no_color and _use_color(sys.stdout)

    if func_name is not None:
        func = _named_function(module, path, func_name)
        wrt = default_wrt(module, func_name) if args.wrt is None else args.wrt
        try:
            if args.args is not None:
                text = _variant_source(func, wrt, args.args, func_name)
            else:
                text = _derivative_source(func, wrt, args.mode)
        except AdcompileError as err:
            raise CliError(f"{func_name}: {err}") from None
        _write(text, color)
        return 0

    blocks = []
    for name, func, method in members(module):
        try:
            source = _derivative_source(func, 1 if method else 0, args.mode)
            blocks.append(source.strip("\n"))
        except AdcompileError as err:
            blocks.append(f"# {name}: cannot differentiate: {err.reason}")
    if not blocks:
        raise CliError(f"{path} defines no functions or methods")
    # Two blank lines between blocks, as between top-level definitions.
    _write("\n\n\n".join(blocks), color)
    return 0


def _named_function(module: object, path: str, name: str) -> FunctionType:
    """``f`` or ``Class.method`` of the user's module."""
    obj: object = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise CliError(f"{path} has no function {name!r}")
        obj = getattr(obj, part)
    if not callable(obj) or isinstance(obj, type):
        raise CliError(f"{name!r} in {path} is not a function")
    return obj  # type: ignore[return-value]


# -- build --------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace) -> int:
    from adcompile._src.tools import build

    cwd = Path.cwd()
    if args.source is None:
        if args.output is not None or args.functions is not None:
            raise CliError("-o, --func and --wrt need FILE.py")
        if args.mode != "reverse":
            raise CliError("--mode needs FILE.py; in pyproject.toml, set mode")
        targets = build.targets_from_pyproject(cwd)
    else:
        functions = None
        if args.functions is not None:
            functions = [build.Request(*function) for function in args.functions]
        targets = [
            build.make_target(args.source, args.output, functions, cwd, args.mode)
        ]

    if args.check:
        stale = 0
        for target in targets:
            reason = build.stale_reason(target)
            if reason is None:
                print(f"{_shown(target.output)} is up to date")
            else:
                stale += 1
                print(f"{_shown(target.output)} is stale: {reason}", file=sys.stderr)
        return 1 if stale else 0

    for target in targets:
        generated = build.write(target)
        for name, reason in generated.skipped:
            print(
                f"{PROG}: {_shown(target.source)}: {name}: cannot differentiate: "
                f"{reason}",
                file=sys.stderr,
            )
        built = ", ".join(generated.built) or "no functions"
        print(f"wrote {_shown(target.output)} ({built})")
    return 0


def _derivative_source(func: FunctionType, wrt: object, mode: str) -> str:
    """The source ``show --mode`` prints for one function: tangent programs
    with comments like reverse mode's (see ``annotate``)."""
    from adcompile._src.api.api import source
    from adcompile._src.compilation.compiler import Options
    from adcompile._src.tools import annotate

    if mode == "forward":
        text = source(func, wrt=wrt, kind="jvp")  # type: ignore[arg-type]
        return annotate.with_tangent_comments(text, func, wrt)
    if mode == "hvp":
        text = source(func, wrt=wrt, kind="hvp")  # type: ignore[arg-type]
        options = Options(recompute_calls=True)
        gradient = source(func, wrt=wrt, options=options)  # type: ignore[arg-type]
        return annotate.with_gradient_comments(text, gradient)
    return source(func, wrt=wrt)  # type: ignore[arg-type]


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it is below it."""
    try:
        return str(path.resolve().relative_to(os.getcwd()))
    except ValueError:
        return str(path)


def _split_target(target: str) -> tuple[str, str | None]:
    """``"model.py:loss"`` -> ``("model.py", "loss")``; ``"model.py"`` and
    ``"model.py:"`` -> no FUNC; ``"model.py:Model.loss"`` -> a method."""
    if os.path.exists(target):
        return target, None
    path, sep, func_name = target.rpartition(":")
    if not sep:
        return target, None
    if not func_name:
        return path, None
    parts = func_name.split(".")
    if len(parts) > 2 or not all(part.isidentifier() for part in parts):
        raise CliError(f"not a function name (FUNC or Class.method): {func_name!r}")
    return path, func_name


# -- output -------------------------------------------------------------------


def _use_color(stream) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _write(text: str, color: bool) -> None:
    text = text.rstrip("\n")
    if color:
        text = "\n".join(
            f"{_COMMENT_COLOR}{line}{_RESET}" if line.lstrip().startswith("#") else line
            for line in text.split("\n")
        )
    print(text)
