"""Shrink a failing composed program to a small one that fails the same way.

    python -m tests.compose.reduce INDEX [--seed S] [--mode grad]
    python -m tests.compose.reduce --from run.json --top 10 [--per-group 2]

Greedy, on the syntax tree: delete a statement (a whole helper, a loop, a
branch), replace an ``if`` by one of its bodies, drop an ``else``, replace
an expression by one of its operands, drop an unused parameter of ``f``;
keep each edit after which the program still fails with the same status
and kind (``check.classify``) in the same mode, until no edit keeps it.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import sys
from collections.abc import Iterator

from tests.compose.check import check_source
from tests.compose.generator import generate

__all__ = ["reduce_source"]


def _edits(tree: ast.Module) -> Iterator[ast.Module]:
    """Every one-step simplification of ``tree``, statements first."""
    count = sum(1 for _ in _sites(tree))
    for k in range(count):
        candidate = copy.deepcopy(tree)
        site = list(_sites(candidate))[k]
        yield from site()


def _sites(tree: ast.Module) -> Iterator:
    """Callables, each giving the trees one edit of one place makes."""
    nodes = list(ast.walk(tree))
    for node in nodes:
        for name in ("body", "orelse"):
            stmts = getattr(node, name, None)
            if (
                not isinstance(stmts, list)
                or not stmts
                or not isinstance(stmts[0], ast.stmt)
            ):
                continue
            for i in range(len(stmts)):
                yield _delete(tree, stmts, i)
    for node in nodes:
        for name in ("body", "orelse"):
            stmts = getattr(node, name, None)
            if not isinstance(stmts, list):
                continue
            for i, stmt in enumerate(stmts):
                if isinstance(stmt, (ast.If, ast.For, ast.While)):
                    yield _inline(tree, stmts, i)
    for node in nodes:
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                yield _operands(tree, node, field, value)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.expr):
                        yield _operands(tree, value, i, item)
    f = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f"), None
    )
    if f is not None:
        for i in range(len(f.args.args)):
            yield _drop_param(tree, f, i)


def _delete(tree: ast.Module, stmts: list, i: int):
    def apply() -> Iterator[ast.Module]:
        stmts.pop(i)
        if not stmts:
            stmts.append(ast.Pass())
        yield tree

    return apply


def _inline(tree: ast.Module, stmts: list, i: int):
    def apply() -> Iterator[ast.Module]:
        stmt = stmts[i]
        for replacement in (stmt.body, stmt.orelse, "no_else"):
            if replacement == "no_else":
                if not stmt.orelse:
                    continue
                saved, stmt.orelse = stmt.orelse, []
                yield tree
                stmt.orelse = saved
                continue
            if not replacement:
                continue
            stmts[i : i + 1] = replacement
            yield tree
            stmts[i : i + len(replacement)] = [stmt]

    return apply


def _operands(tree: ast.Module, parent, key, node: ast.expr):
    def apply() -> Iterator[ast.Module]:
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if isinstance(node, (ast.Name, ast.Constant, ast.Subscript, ast.Attribute)):
            return
        if isinstance(node, ast.Call):
            children = list(node.args)
        for child in children:
            if isinstance(parent, list):
                parent[key] = child
            else:
                setattr(parent, key, child)
            yield tree
            if isinstance(parent, list):
                parent[key] = node
            else:
                setattr(parent, key, node)

    return apply


def _drop_param(tree: ast.Module, f: ast.FunctionDef, i: int):
    def apply() -> Iterator[ast.Module]:
        if len(f.args.args) <= 1:
            return
        f.args.args.pop(i)
        yield tree

    return apply


def _params(tree: ast.Module) -> list[str]:
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    return [a.arg for a in f.args.args]


def reduce_source(
    source: str, seed: int, mode: str, status: str, kind: str, verbose: bool = False
) -> str:
    """The smallest program found that fails like ``source`` in ``mode``."""

    def fails(tree: ast.Module) -> bool:
        try:
            text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
            params = _params(tree)
        except Exception:
            return False
        if len(text) >= size:  # each step makes the program shorter
            return False
        result = check_source(text, params, seed, modes=(mode,), budget=20.0)
        got = result.modes.get(mode)
        return got is not None and got.status == status and same_kind(got.kind, kind)

    tree = ast.parse(source)
    size = len(ast.unparse(tree)) + 2
    progress = True
    while progress:
        progress = False
        for candidate in _edits(tree):
            if fails(candidate):
                tree = copy.deepcopy(candidate)
                size = len(ast.unparse(tree)) + 1
                progress = True
                if verbose:
                    lines = len(ast.unparse(tree).splitlines())
                    print(f"  {lines} lines", file=sys.stderr, flush=True)
                break
    return ast.unparse(tree) + "\n"


def same_kind(one: str, other: str) -> bool:
    from tests.compose.__main__ import _kind

    return _kind(one) == _kind(other)


def reduce_example(job: tuple[int, int, str, str, str]) -> dict[str, str]:
    """Reduce program ``index`` of ``seed`` keeping ``(mode, status, kind)``."""
    seed, index, mode, status, kind = job
    program = generate(seed, index)
    check_seed = program.seed * 1_000_003 + program.index
    small = reduce_source(program.source, check_seed, mode, status, kind)
    final = check_source(small, _params(ast.parse(small)), check_seed, modes=(mode,))
    got = final.modes.get(mode)
    return {
        "id": program.id,
        "mode": mode,
        "kind": kind,
        "source": small,
        "symptom": f"{got.status}: {got.detail[:700]}" if got else final.klass,
    }


def from_report(
    path: str, top: int, per_group: int, jobs: int, refused: bool = False
) -> None:
    """Reduce examples of the ``top`` largest failure groups of a saved run
    (or refusal groups, with ``refused``)."""
    import json
    import multiprocessing

    from tests.compose.__main__ import FAILED, groups

    with open(path) as handle:
        results = json.load(handle)["results"]
    by_id = {r["id"]: r for r in results}
    jobs_list = []
    statuses = ("refused",) if refused else FAILED
    for n, status, kind, _, _ in groups(results, statuses)[:top]:
        examples = [
            (r["id"], mode)
            for r in results
            for mode, m in r["modes"].items()
            if m["status"] == status and same_kind(m["kind"], kind)
        ]
        chosen: list[tuple[str, str]] = []
        for program_id, mode in examples:  # one mode per program, smallest first
            if all(program_id != c[0] for c in chosen):
                chosen.append((program_id, mode))
        chosen.sort(key=lambda c: len(generate(*map(int, c[0].split(":"))).source))
        for program_id, mode in chosen[:per_group]:
            seed, index = map(int, program_id.split(":"))
            jobs_list.append(
                (seed, index, mode, status, by_id[program_id]["modes"][mode]["kind"])
            )
        print(f"# group of {n}: {status}: {kind}", file=sys.stderr)
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, maxtasksperchild=1) as pool:
        for done in pool.imap_unordered(reduce_example, jobs_list):
            print(f"### {done['id']} {done['mode']}: {done['kind']}")
            print(done["source"], end="")
            print(f"# -> {done['symptom']}\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.compose.reduce")
    parser.add_argument("index", type=int, nargs="?")
    parser.add_argument("--from", dest="report", help="a saved run (--out) to reduce")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--per-group", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mode", help="the mode to keep failing (default: the first failing)"
    )
    parser.add_argument(
        "--refused",
        action="store_true",
        help="shrink a refused program (or the refusal groups of --from)",
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("ADCOMPILE_CACHE", "0")
    if options.report:
        from_report(
            options.report,
            options.top,
            options.per_group,
            options.jobs,
            options.refused,
        )
        return 0
    program = generate(options.seed, options.index)
    check_seed = program.seed * 1_000_003 + program.index
    result = check_source(program.source, program.params, check_seed, hvp=True)
    passing = ("pass",) if options.refused else ("pass", "refused")
    failing = [(m, r) for m, r in result.modes.items() if r.status not in passing]
    if options.mode:
        failing = [(m, r) for m, r in failing if m == options.mode]
    if not failing:
        print(f"program {program.id} does not fail ({result.klass})")
        return 1
    mode, first = failing[0]
    print(f"# program {program.id}, {mode}: {first.status}: {first.kind}")
    small = reduce_source(
        program.source, check_seed, mode, first.status, first.kind, verbose=True
    )
    final = check_source(small, _params(ast.parse(small)), check_seed, modes=(mode,))
    print(small, end="")
    print(f"# {mode}: {final.modes[mode].status}: {final.modes[mode].detail[:400]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
