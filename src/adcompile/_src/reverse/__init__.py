"""Reverse mode: a normal-form program to a ``Derivative`` (``derivative``):
a forward sweep and a backward sweep, as lists of ``Line``.

``reverse`` walks the program: the forward sweep is the program itself, the
backward sweep visits its statements in reverse and gives each operand's
adjoint the rule's local gradient times the result's adjoint.
``reverse_calls`` handles calls into user functions (their pullbacks),
``stacks`` the values loops and branches overwrite, ``checkpointed`` the
loops marked with ``adcompile.checkpoint`` (snapshots and a revolve
schedule instead of every step's values), ``lean`` drops forward
work the backward sweep does not need, ``reuse`` writes a variant's
arithmetic into arrays about to die.

Invariant (the pairing of the sweeps): every value the backward sweep reads
holds, when the sweep reaches a statement, the value it had right after that
statement ran in the forward sweep; what the forward sweep saves (values,
pullbacks) the backward sweep restores in the reverse order, on every path.
"""
