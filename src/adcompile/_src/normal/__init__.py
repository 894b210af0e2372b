"""The normal form: a function's ``def`` to an ``ir.Program``.

``normalize`` runs the lowering passes in order: ``iterators`` (a zip
kept for one loop moves into it), ``loop_exits`` and ``exits`` (early
exits become structured), ``lower`` and ``lower_calls``
(one primitive per statement; methods, operators and calls resolved to the
objects they denote, ``vocabulary`` knowing numpy by name), ``assignments``,
``lists`` (list methods, joins and repetitions), ``closures``, ``control``
and ``iteration`` (branches, loops, comprehensions; ``checkpoint`` takes
the ``adcompile.checkpoint`` marker off a loop and refuses what its steps
could not run again), ``inplace`` (item
writes become new values, where ``sharing`` and ``liveness`` show no name
read later sees the old object).
``control_facts`` holds what those passes ask of code; ``primal`` spells one
normal-form statement back as code, for both modes.

Invariant of the output (``ir.py``): every ``Apply`` computes one primitive
from variables (values that may carry a derivative) and static code
(values that carry none); every name is assigned once per path, except the
ones a construct carries across its paths and trips, which are marked; every
statement remembers the user's statement it came from.
"""
