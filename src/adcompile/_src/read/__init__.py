"""Reading: a function object to what the pipeline works from.

- ``source``: the function's parsed ``def`` (libcst), where it came from (for
  error locations), and what each free name denotes (closure cell, module
  global or builtin), never matched by spelling;
- ``fence`` (with ``deletes``): refuses, with file:line:col and a hint,
  every construct outside the supported language, before any
  transformation;
- ``static_code``: helpers on code that carries no derivative;
- ``calls``: which callables adcompile can read, and the run-time dispatch
  of calls into other user functions' derivative code (compiled through
  the hook the compilation stage registers).

Invariant of the output: a function that passes the fence contains only
constructs the later stages handle.
"""
