"""adcompile's implementation: one package per stage of the pipeline.

    read ─► normal ──┬─(shapes)─► reverse ─► emit ──┐
                     └──────────► forward ──────────┴─► compilation ─► api ─► tools

Each package's docstring states its input, its output and the invariant it
keeps. Imports only go down this list (pyproject.toml's import-linter
contract, checked by tests/test_architecture.py):

- ``tools``: the command line (``show``, ``build``) and ahead-of-time modules;
- ``api``: what ``adcompile`` exports (``grad``, ``vjp``, ``jvp``, ...);
- ``compilation``: emitted text to a cached Python function, shape variants;
- ``emit``: reverse-mode sweeps to the source of a gradient function;
- ``reverse`` and ``forward``: the two modes, from the normal form;
- ``shapes``: what a call's argument shapes settle in the normal form;
- ``normal``: a function's ``def`` to the normal form (``ir.Program``);
- ``read``: a function object to its parsed source, refusals, callees;
- ``syntax``: libcst walks, templates, names, emitted lines;
- ``rules``: the derivative rule of every primitive;
- ``runtime``: the helpers emitted code calls (numpy only);
- ``errors``: the refusals every layer raises.

Where a lower layer must reach a higher one (a callee's derivative compiled
while derivative code runs), the higher one registers a hook
(``read.calls.register_compiler``).
"""
