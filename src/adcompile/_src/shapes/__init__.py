"""Shape specialization: a normal-form program and the shapes of one call's
arguments to the same program with every shape that follows from them.

``shape_values`` is the abstract domain (a known shape, a scalar, a known
int, unknown); ``static_shapes`` evaluates static code in it;
``specialize`` runs the program through it, calls into other user
functions included (their normal forms are asked of the compilation stage).

Invariant: a shape recorded for a value is the shape that value has on every
run with arguments of those shapes; where the analysis cannot tell (code it
cannot read may change a shape), it records nothing, and the program is
returned unchanged.
"""
