"""Forward mode: a normal-form program to a ``Tangent``, the program with a
tangent line after each statement whose operands carry one, and its source
(``jvp_f(..., *, dx)``).

Invariant: after each statement, the tangent of its result is the
directional derivative of that value along the given input tangents; values
with no tangent have no tangent line, and a call into a user function runs
that function's own tangent program.
"""
