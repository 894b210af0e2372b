"""Code as data: what every stage uses to read and write code.

- ``tree``: walks over libcst trees that rebuild no node;
- ``templates``: filling expression templates, with the small
  simplifications that keep local gradients readable;
- ``naming``: deterministic names for emitted code (SSA versions,
  temporaries, adjoints) that never collide with the user's;
- ``lines``: emitted statements (``Line``, ``Block``) and the push/pop
  markers of saved values.

Input and output: libcst nodes. Invariant: nothing here knows about
derivatives; the same input always gives the same code.
"""
