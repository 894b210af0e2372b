"""The public API, re-exported by ``adcompile``: ``grad``, ``value_and_grad``,
``vjp``, ``jvp``, ``source`` (``api``), the objects they return
(``functions``, ``nested``), Jacobians and Hessians (``higher``), rules for
users' functions (``custom``) and ``clear_cache`` (``cache``).

Input: the user's functions and arguments. Output: their derivatives, or an
``AdcompileError`` that names the construct, its location and what to do.
"""
