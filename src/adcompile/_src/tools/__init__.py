"""The tools over the API: the ``adcompile`` command line (``cli``: ``show``
and ``build``), ahead-of-time gradient modules (``build``, with
``aot_runtime`` making emitted code stand alone), and what both read from
the command line (``loading``).

Invariant of a built module: it imports numpy, the standard library and the
user's own module only, and records the source's sha256 to tell when it is
stale.
"""
