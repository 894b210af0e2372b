"""Emission: a ``Derivative`` to the source of ``grad_f``, ``value_and_grad_f``
or ``vjp_f`` (and its pullback), with the user's signature.

Invariant: the emitted function computes exactly the two sweeps, one line
per local gradient, each adjoint block under a ``# grad of:`` comment
naming the user's line; the same derivative always gives the same text.
"""
