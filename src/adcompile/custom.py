"""Rules for your own functions: the extension API.

A rule is an ordinary Python function whose body is one ``return`` of an
expression; adcompile reads its source and inlines the expression into
derivative code, exactly like a built-in rule::

    def softplus(x):
        return np.log1p(np.exp(x))

    @adcompile.custom.defvjp(softplus)
    def softplus_vjp(g, ans, x):       # g: adjoint of the result, ans: result
        return g * (1.0 - np.exp(-ans))

    @adcompile.custom.defjvp(softplus)
    def softplus_jvp(t, ans, x):       # t: tangent of x
        return t * (1.0 - np.exp(-ans))

- ``defvjp(f)`` / ``defjvp(f)``: f's reverse / forward rule, one expression
  per parameter (a tuple for several; ``None`` where there is none).
- ``nondiff(f)``: f's result carries no derivative.
- ``custom_vjp(f)``: f's body is never differentiated; its rules come from
  ``f.defvjp`` / ``f.defjvp``.
"""

from adcompile._src.api.custom import custom_vjp, defjvp, defvjp, nondiff

__all__ = ["custom_vjp", "defjvp", "defvjp", "nondiff"]
