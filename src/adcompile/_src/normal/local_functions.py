"""Functions a user function defines in its body and only ever calls there.

``purity.py`` reads the body of such a function (a ``def``, or a lambda
given to a name) as part of the body that defines it: calling it keeps
nothing more than its body does, and none of it outlives the call of the
function that defines it. One whose name is used otherwise (returned,
stored, passed on) may run later, and is read as unknown.
"""

from __future__ import annotations

import libcst as cst


class LocalFunctions:
    """Mixed into purity's reading of one function body."""

    params: set[str]
    local_definitions: dict[str, cst.FunctionDef | cst.Lambda] | None

    def _nodes(self) -> list[cst.CSTNode]:
        raise NotImplementedError

    def _local_definitions(self) -> dict[str, cst.FunctionDef | cst.Lambda]:
        """The functions defined in the body once, by name, that
        ``_local_functions`` finds are only ever called there."""
        if self.local_definitions is None:
            local = self._local_functions()
            found: dict[str, list[cst.FunctionDef | cst.Lambda]] = {}
            for node in self._nodes():
                if isinstance(node, cst.FunctionDef) and id(node) in local:
                    found.setdefault(node.name.value, []).append(node)
                elif (
                    isinstance(node, cst.Assign)
                    and isinstance(node.value, cst.Lambda)
                    and id(node.value) in local
                ):
                    target = node.targets[0].target
                    assert isinstance(target, cst.Name)
                    found.setdefault(target.value, []).append(node.value)
            self.local_definitions = {
                name: defs[0] for name, defs in found.items() if len(defs) == 1
            }
        return self.local_definitions

    def _local_functions(self) -> set[int]:
        """Functions defined in the body (a ``def``, or a lambda given to a
        name) whose name is only ever called there: the ids of their
        definitions, and of the calls of them. Their bodies are read as part
        of this one, so calling them keeps nothing more than those bodies
        do, and none of them outlives the call of this function."""
        defined: dict[str, list[cst.CSTNode]] = {}
        names: set[int] = set()  # the names that define them
        for node in self._nodes():
            if isinstance(node, cst.FunctionDef):
                defined.setdefault(node.name.value, []).append(node)
                names.add(id(node.name))
            elif (
                isinstance(node, cst.Assign)
                and isinstance(node.value, cst.Lambda)
                and len(node.targets) == 1
                and isinstance(node.targets[0].target, cst.Name)
            ):
                target = node.targets[0].target
                defined.setdefault(target.value, []).append(node.value)
                names.add(id(target))
        if not defined:
            return set()
        calls = {
            id(n): n
            for n in self._nodes()
            if isinstance(n, cst.Call)
            and isinstance(n.func, cst.Name)
            and n.func.value in defined
        }
        called = {id(call.func) for call in calls.values()}
        escaped = {
            n.value
            for n in self._nodes()
            if isinstance(n, cst.Name)
            and n.value in defined
            and id(n) not in called | names
        }
        local: set[int] = set()
        for name, definitions in defined.items():
            if name not in escaped and name not in self.params:
                local |= {id(d) for d in definitions}
                local |= {i for i, c in calls.items() if c.func.value == name}
        return local
