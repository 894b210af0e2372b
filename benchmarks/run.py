"""Run every benchmark and print one table.

    python benchmarks/run.py                    # from the repository root
    python benchmarks/run.py --strict           # exit 1 when a target is missed
    python benchmarks/run.py --blas-threads=1   # set OPENBLAS/OMP/MKL_NUM_THREADS

Exit status 1 when a benchmark fails (a wrong gradient, a compiler error),
and with --strict also when a target is missed. See benchmarks/README.md.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

# BLAS reads its thread count when numpy is imported, so this comes first.
for _arg in sys.argv[1:]:
    if _arg.startswith("--blas-threads="):
        for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[_var] = _arg.split("=", 1)[1]

from timing import (  # noqa: E402
    OtherLoad,
    format_table,
    header,
    setup,
)

setup()

import bench_build  # noqa: E402
import bench_control_flow  # noqa: E402
import bench_disk_cache  # noqa: E402
import bench_gradients  # noqa: E402
import bench_higher  # noqa: E402
import bench_overhead  # noqa: E402
import bench_transform  # noqa: E402

MODULES = [
    bench_gradients,
    bench_control_flow,
    bench_higher,
    bench_overhead,
    bench_transform,
    bench_disk_cache,
    bench_build,
]


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    start = time.perf_counter()
    load = OtherLoad()
    print(header())
    rows, errors = [], []
    for module in MODULES:
        for bench in module.BENCHMARKS:
            try:
                result = bench()
            except Exception as error:  # report, and go on with the others
                errors.append((f"{module.__name__}.{bench.__name__}", error))
                continue
            rows.extend(result if isinstance(result, list) else [result])
    print()
    print(format_table(rows))
    judged = [row for row in rows if row.ok is not None]
    met = sum(row.ok for row in judged)
    print()
    print(
        f"{met} of {len(judged)} targets met; times are per call, min over samples "
        f"(ratio = adcompile / reference); {time.perf_counter() - start:.0f} s"
    )
    others = load.cores()
    if others is not None:
        print(f"other processes used {others:.2f} cores during the run", end="")
        if others > 0.25:
            print(
                ": the timings are suspect (BLAS threads wait on busy cores); "
                "re-run on a quiet machine, or with --blas-threads=1"
            )
        else:
            print()
    for name, error in errors:
        print(f"\nERROR in {name}: {type(error).__name__}: {error}")
        traceback.print_exception(error, file=sys.stdout)
    if errors or (strict and met < len(judged)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
