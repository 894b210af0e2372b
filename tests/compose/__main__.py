"""Long mode: generate and check many composed programs, and report.

    python -m tests.compose --count 20000 --seed 0 --jobs 2 [--out run.json]
    python -m tests.compose --show 123 [--seed 0]     # print program 123
    python -m tests.compose --check 123 [--seed 0]    # check one, verbosely

The report gives the classes per program and per mode, the counts per
construct tag (programs carrying it, and how many of those failed), and
the failures grouped by kind (exception type and message pattern, or the
check that failed) with one example program each.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import sys
import time
from collections import Counter, defaultdict

FAILED = ("wrong", "deviation", "crash", "refused_unlocated")


def run(
    seed: int, start: int, count: int, jobs: int, hvp_every: int, extended: bool = True
) -> list[dict]:
    from tests.compose.built import warm
    from tests.compose.check import check_index

    warm()  # (before the workers are forked: each would copy the helpers)
    work_items = [(seed, i, hvp_every, extended) for i in range(start, start + count)]
    results: list[dict] = []
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=40) as pool:
        for done, result in enumerate(
            pool.imap_unordered(check_index, work_items, chunksize=2), 1
        ):
            results.append(result)
            if done % 200 == 0 or done == count:
                elapsed = time.perf_counter() - began
                print(
                    f"  {done}/{count} programs, {elapsed:.0f}s",
                    file=sys.stderr,
                    flush=True,
                )
    results.sort(key=lambda r: int(r["id"].split(":")[1]))
    return results


def _kind(kind: str) -> str:
    """A kind with the message part normalized again (results saved by an
    older checker group like new ones)."""
    from tests.compose.check import pattern

    kind = re.sub(r"^(grad|value_and_grad|vjp|jvp|hvp): ", "", kind)
    message, _, where = kind.rpartition(" [")
    if not message:
        return pattern(kind)
    return f"{pattern(message)} [{where}"


def groups(results: list[dict], statuses: tuple[str, ...]) -> list[tuple]:
    """(programs, status, kind, example id, modes) per failure kind, largest first."""
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    modes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in results:
        seen = set()
        for mode, m in r["modes"].items():
            if m["status"] in statuses:
                key = (m["status"], _kind(m["kind"]))
                modes[key].add(mode)
                if key not in seen:
                    seen.add(key)
                    members[key].append(r["id"])
    rows = [
        (len(ids), s, k, ids[0], sorted(modes[(s, k)]))
        for (s, k), ids in members.items()
    ]
    return sorted(rows, key=lambda row: (-row[0], row[1], row[2]))


def report(results: list[dict], seconds: float) -> str:
    from tests.compose.check import MODES

    lines = [f"{len(results)} composed programs checked in {seconds:.0f}s"]
    classes = Counter(r["klass"] for r in results)
    total = len(results) or 1
    lines.append("\nprograms by class:")
    for klass, n in classes.most_common():
        lines.append(f"  {klass:<20} {n:6d}  {100 * n / total:5.1f}%")
    lines.append("\nmodes by status:")
    statuses = ["pass", "refused", "refused_unlocated", "crash", "wrong", "deviation"]
    lines.append("  " + f"{'mode':<16}" + "".join(f"{s:>19}" for s in statuses))
    for mode in MODES:
        counts = Counter(
            r["modes"][mode]["status"] for r in results if mode in r["modes"]
        )
        lines.append(
            "  " + f"{mode:<16}" + "".join(f"{counts[s]:>19}" for s in statuses)
        )
    lines.append("\nconstructs (programs with the tag: all, failed, refused, passed):")
    per_tag: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        for tag in r["tags"]:
            per_tag[tag]["all"] += 1
            bucket = "failed" if r["klass"] in FAILED else r["klass"]
            per_tag[tag][bucket] += 1
    for tag, c in sorted(per_tag.items(), key=lambda item: -item[1]["all"]):
        rate = 100 * c["failed"] / max(1, c["all"] - c["skipped_nonsmooth"])
        lines.append(
            f"  {tag:<22} {c['all']:6d} {c['failed']:6d} ({rate:4.1f}%)"
            f" {c['refused']:6d} {c['pass']:6d}"
        )
    lines.append("\nfailure groups (programs, status, kind, modes, example):")
    for n, status, kind, example, modes in groups(results, FAILED):
        lines.append(
            f"  {n:5d}  {status:<17} {kind}\n         modes {','.join(modes)}; e.g. {example}"
        )
    lines.append("\nrefusal groups (programs, kind, example):")
    for n, _, kind, example, _ in groups(results, ("refused",)):
        lines.append(f"  {n:5d}  {kind}  e.g. {example}")
    invalid = [r["id"] for r in results if r["klass"] == "invalid"]
    if invalid:
        lines.append(f"\ninvalid programs (generator bugs): {invalid[:20]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.compose", description=__doc__
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="first program index")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--hvp-every", type=int, default=4, help="hvp on every Nth program (0: none)"
    )
    parser.add_argument(
        "--base",
        action="store_true",
        help="draw the first generator's constructs only (as the sample test)",
    )
    parser.add_argument("--out", help="write every result as JSON to this file")
    parser.add_argument(
        "--report", metavar="FILE", help="print the report of a saved --out"
    )
    parser.add_argument(
        "--show", type=int, metavar="N", help="print program N's source and tags"
    )
    parser.add_argument(
        "--check", type=int, metavar="N", help="check program N and print the result"
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("ADCOMPILE_CACHE", "0")
    from tests.compose.generator import generate

    if options.show is not None:
        program = generate(options.seed, options.show, not options.base)
        print(f"# program {program.id}; tags: {', '.join(program.tags)}")
        print(program.source, end="")
        return 0
    if options.report:
        with open(options.report) as handle:
            saved = json.load(handle)
        print(report(saved["results"], saved["seconds"]))
        return 0
    if options.check is not None:
        from tests.compose.check import check_index

        result = check_index((options.seed, options.check, 1, not options.base))
        print(json.dumps(result, indent=2))
        return 0
    began = time.perf_counter()
    results = run(
        options.seed,
        options.start,
        options.count,
        options.jobs,
        options.hvp_every,
        not options.base,
    )
    seconds = time.perf_counter() - began
    print(report(results, seconds))
    if options.out:
        with open(options.out, "w") as handle:
            json.dump(
                {"seed": options.seed, "seconds": seconds, "results": results},
                handle,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
