"""Lower a function body to the normal form of ``ir``.

Invariant of the output: every ``Apply`` computes one primitive whose
operands are ``Var`` (a value that may carry a derivative: it depends on a
``wrt`` parameter) or ``Static`` (code that carries none, kept as the user
wrote it, with local names renamed). Every variable is assigned once; a
reassigned user name gets a fresh name (``h``, ``h_1``, ...). Sub-expressions
that carry no derivative are never split up, so the forward sweep reads like
the user's code. Method calls and attributes on arrays (``x.sum()``, ``x.T``)
become the numpy functions they stand for.
"""

from __future__ import annotations

import operator

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.assignments import AssignmentLowering
from adcompile._src.normal.bound import Bound, bound_before
from adcompile._src.normal.checkpoint import refuse_stray_markers
from adcompile._src.normal.closures import ClosureLowering, convert_closures
from adcompile._src.normal.control import ControlFlowLowering
from adcompile._src.normal.control_facts import free_name, mark_overwrites
from adcompile._src.normal.cursors import iterators_as_cursors
from adcompile._src.normal.exits import FlagNames, lift_exits
from adcompile._src.normal.inplace import InPlaceLowering
from adcompile._src.normal.iteration import IterationLowering
from adcompile._src.normal.iterators import inline_stored_iterators
from adcompile._src.normal.lists import ListLowering, list_method
from adcompile._src.normal.liveness import Live, live_after
from adcompile._src.normal.loop_exits import lower_loop_exits
from adcompile._src.normal.lower import ExpressionLowering
from adcompile._src.normal.lower_calls import CallLowering
from adcompile._src.normal.parts import ContainerParts
from adcompile._src.normal.purity import Purity
from adcompile._src.normal.values import (
    calls_in,
    mutated_names,
    new_container,
    written_anywhere,
)
from adcompile._src.normal.views import ViewWrites
from adcompile._src.normal.vocabulary import (
    IN_PLACE_METHODS,
    gives_out,
    writes_into_an_argument,
)
from adcompile._src.normal.write_back import WriteBack
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import (
    is_numeric_literal,
    rename_locals,
    resolve_callee,
)
from adcompile._src.rules import registry
from adcompile._src.rules.registry import SCALAR
from adcompile._src.syntax.naming import NameAllocator
from adcompile._src.syntax.templates import parenthesize, used_names
from adcompile._src.syntax.tree import walk


class Normalizer(
    AssignmentLowering,
    ListLowering,
    ControlFlowLowering,
    IterationLowering,
    InPlaceLowering,
    ClosureLowering,
    CallLowering,
    ViewWrites,
    WriteBack,
    ContainerParts,
    ExpressionLowering,
):
    """Builds one ``ir.Program`` from one parsed function."""

    def __init__(
        self,
        source: FunctionSource,
        wrt: list[str],
        wrt_is_tuple: bool,
        np_name: str,
        has_aux: bool = False,
        names: set[str] | None = None,
    ) -> None:
        self.source = source
        self.definition = source.definition
        self.env: dict[str, str] = {}
        self.varied: set[str] = set()
        self.fresh: set[str] = set()  # values no other name can see (safe for +=)
        self.sequences: set[str] = set()  # variables known to hold a list or tuple
        self.item_holders: set[str] = set()  # lists, tuples and dicts built here
        self.copies: set[str] = set()  # x.copy(): an array, or a list or dict
        self.unknown_kinds: set[str] = set()  # may be a list, tuple or dict
        self.storing_back: set[str] = set()  # (assignments._item_update)
        self.written_back_names: list[str] = []  # by calls, in order (write_back)
        self.nested_writes: dict[str, tuple[set[str], set[str]]] = {}  # closures
        self.part_paths: dict[str, tuple[str, tuple]] = {}  # (parts.py)
        self.rebuilt_after: dict[str, tuple[str, bool]] = {}  # (parts.py)
        self.parts_shown: dict[str, str] = {}  # a part's name -> p.W (inplace.py)
        self.binding_counts = None  # name -> statements binding it (parts.py)
        self._start_sharing()
        self.liveness: dict[int, Live] = {}  # statement -> names read after it
        self.live: Live | None = None  # after this statement (None: all)
        self.bound_at: dict[int, Bound] = {}  # statement -> names bound before it
        self.bound: Bound = frozenset()  # before this statement
        self.iterated: list[set[str]] = []  # names the enclosing loops iterate
        self.outer_bodies: list[list[ir.Statement]] = []  # (control.py)
        self.lowering: cst.CSTNode | None = None  # the small statement (as run)
        self.loop_snapshots: list[str] = []  # what they iterate, kept aside
        self.nested_purity: dict[str, Purity] = {}  # nested function -> purity
        self.purity_of_def: dict[cst.CSTNode, Purity] = {}  # (each def once)
        self.shapes: dict[str, object] = {}
        self.body: list[ir.Statement] = []
        self.names = NameAllocator(
            names if names is not None else all_names(source.module)
        )
        self.origin = ir.Origin("")
        self.wrt = wrt
        self.wrt_is_tuple = wrt_is_tuple
        self.np_name = np_name
        self.pinned: dict[str, str] = {}  # user name -> its one name in a construct
        self.pinned_all: set[str] = set()
        self.pinned_from: dict[str, str] = {}  # its value as the construct starts
        self.carried: set[str] = set()
        self.loop_depth = 0
        self.returns_everywhere = False
        self.has_control_flow = False
        self.result_key = free_name("out", self.names.taken)
        self.has_aux = has_aux
        self.aux_key = free_name("aux", self.names.taken | {self.result_key})
        self.result_origin = self.origin
        self.buffer_root: dict[str, str] = {}  # array version -> parameter
        self.list_roots: dict[str, str] = {}  # list version -> parameter
        self.view_roots: dict[str, set[str]] = {}  # maybe-view -> what it views
        self.written_params: dict[str, str] = {}  # parameter -> its final value
        self.write_trackers: dict[str, str] = {}  # parameter -> see inplace.py
        self.tracker_flags: dict[str, list[str]] = {}  # (for one variable's)
        self.param_names: set[str] = set()
        self.rebound_params: set[str] = set()
        self.followed_params: set[str] = set()  # see inplace._follow_write
        self.updating_in_place = False

    # ---- entry point -------------------------------------------------------

    def run(self) -> ir.Program:
        params = self.definition.params
        param_names = [
            p.name.value
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        ]
        self.param_names = set(param_names)
        for name in param_names:
            self.env[name] = name
            self.names.claim(name)
            self.shapes[name] = ("param", name)
            self.fresh.add(name)  # no other name in the function sees it yet
            if name in self.wrt:
                self.varied.add(name)
        refuse_stray_markers(self.source, self.definition)
        flags = FlagNames(self.names.taken)  # the exits' flags: no user's names
        statements = convert_closures(
            _statements(self.definition), self.param_names, self.source
        )
        statements = inline_stored_iterators(statements, self.source)
        statements = iterators_as_cursors(statements, self.source, self.names.fresh)
        statements = lift_exits(lower_loop_exits(statements, flags), flags)
        self.liveness = live_after(statements)
        self.written_in_place = written_anywhere(statements, self.source)
        self.bound_at = bound_before(statements, param_names)
        self._block(statements)
        mark_overwrites(self.body, set(self.pinned_all))
        self._check_written_params()
        result_name = self.env.get(self.result_key)
        if result_name is None and self.returns_everywhere:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} raises on every path: it "
                "has no value to differentiate",
                "return the value to differentiate (a real scalar for grad) on "
                "the paths that do not raise",
                self.source.location(self.definition),
            )
        if result_name is None or not self.returns_everywhere:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} may return nothing (None)",
                "return the value to differentiate (a real scalar for grad) at "
                "the end of every path through the function",
                self.source.location(self.definition),
            )
        result: ir.Operand = (
            ir.Var(result_name)
            if result_name in self.varied
            else ir.Static(cst.Name(result_name))
        )
        aux_name = self.env.get(self.aux_key) if self.has_aux else None
        aux = None if aux_name is None else ir.Static(cst.Name(aux_name))
        return ir.Program(
            name=self.definition.name.value,
            params=params,
            param_names=param_names,
            wrt=self.wrt,
            wrt_is_tuple=self.wrt_is_tuple,
            body=self.body,
            result=result,
            result_origin=self.result_origin,
            shapes=self.shapes,
            taken_names=self.names.taken,
            has_control_flow=self.has_control_flow,
            pinned_names=set(self.pinned_all),
            carried_names=set(self.carried),
            written_params=dict(self.written_params),
            aux=aux,
        )

    # ---- blocks and control flow -----------------------------------------

    def _block(self, statements: list[cst.BaseStatement]) -> None:
        """Lower a block; ``returns_everywhere`` says if every path through it
        ends in a return or a raise."""
        self.returns_everywhere = False
        outer_live, outer_bound = self.live, self.bound
        try:
            self._statements(statements)
        finally:
            self.live, self.bound = outer_live, outer_bound

    def _statements(self, statements: list[cst.BaseStatement]) -> None:
        for statement in statements:
            self._drop_unnamed()
            self.live = self.liveness.get(id(statement))
            self.bound = self.bound_at.get(id(statement), frozenset())
            if isinstance(statement, cst.FunctionDef):
                self.origin = self._header_origin(statement, statement.name)
                self._nested_def(statement)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._drop_unnamed()
                    self.live = self.liveness.get(id(small))
                    self.bound = self.bound_at.get(id(small), frozenset())
                    written = self.source.original(small)  # as the user wrote it
                    self.origin = ir.Origin(
                        self.source.code(written), written, locate=self.source.location
                    )
                    self.lowering = small
                    if isinstance(small, cst.Return):
                        self._return(small)
                        self.returns_everywhere = True
                    elif isinstance(small, cst.Raise):  # the path ends here
                        self._effect(small)
                        self.returns_everywhere = True
                        break
                    elif isinstance(small, (cst.Break, cst.Continue)):
                        kind = "break" if isinstance(small, cst.Break) else "continue"
                        self.body.append(ir.Jump(kind, self.origin))
                    else:
                        self._statement(small)
            elif isinstance(statement, (cst.If, cst.For, cst.While)):
                outer_pinned = dict(self.pinned)
                if isinstance(statement, cst.If):
                    self._if(statement)
                elif isinstance(statement, cst.For):
                    self._for(statement)
                else:
                    self._while(statement)
                self.pinned = outer_pinned  # after the construct: plain names again
            else:
                raise self._unsupported(statement, "this statement")

    def _statement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Pass):
            return
        if isinstance(node, cst.Expr):
            if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
                return  # a docstring
            if list_method(node.value, self.env):
                self._list_method(node.value)
                return
            if self._fill_diagonal(node.value):  # (an item write: inplace.py)
                return
            if (node := self._statement_writers_lowered(node)) is not None:
                self._effect(node)
            return
        if isinstance(node, cst.Assert):
            self._effect(node)
            return
        if isinstance(node, cst.Assign):
            self._assign([t.target for t in node.targets], node.value)
            return
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._assign([node.target], node.value)
            return
        if isinstance(node, cst.AugAssign):
            self._augmented(self._extend_statement(node))
            return
        if isinstance(node, cst.Del):
            self._delete(node)
            return
        raise self._unsupported(node, "this statement")

    def _delete(self, node: cst.Del) -> None:
        """``del name``: left out (the fence saw that no later code uses the
        name), unless the value carries a derivative the backward sweep needs."""
        for name in used_names(node.target):
            if self.env.get(name, name) in self.varied:
                raise UnsupportedSyntax(
                    f"`del {name}` deletes a value the gradient depends on",
                    "remove the del: the backward sweep needs the value, and "
                    "adcompile frees it when the gradient is computed",
                    self.source.location(node),
                )

    def _effect(self, node: cst.CSTNode, share: bool = True) -> None:
        for call in calls_in(node):
            self._check_list_change(call)
            self._refuse_enclosing_writes(call)  # (closures.py)
            func = call.func
            writes = gives_out(call)
            varied_args = any(self._is_varied(a.value) for a in call.args)
            if writes and varied_args:
                raise UnsupportedSyntax(
                    "a call with out= writes into an array in place, with values "
                    "the gradient depends on",
                    "assign the result instead: y = np.add(a, b) rather than "
                    "np.add(a, b, out=y)",
                    self.source.location(call),
                )
            callee = resolve_callee(self.source, func, self.env, strict=False)
            if varied_args and writes_into_an_argument(callee):
                raise UnsupportedSyntax(
                    f"{self.source.code(func)}(...) writes into an array in place, "
                    "with or into values the gradient depends on",
                    "compute a new array and assign it: for example "
                    "np.where(mask, v, y) rather than np.copyto(y, v, where=mask), "
                    "y[idx] += v (indices without repeats) rather than "
                    "np.add.at(y, idx, v)",
                    self.source.location(call),
                )
            elif (
                isinstance(func, cst.Attribute)
                and (self._is_varied(func.value) or varied_args)
                and func.attr.value in IN_PLACE_METHODS
            ):
                raise UnsupportedSyntax(
                    f"the in-place method .{func.attr.value}() changes an array "
                    "with or into values the gradient depends on",
                    "use the numpy function that returns a new array "
                    f"(np.{func.attr.value}(...)) and assign its result",
                    self.source.location(call),
                )
        if not share:  # a nested function, closure-converted: emitted as is
            self.body.append(ir.Effect(node, self.origin))
            return
        mutated = mutated_names(node, self.source)
        changed = sorted(n for n in mutated if self._is_varied(cst.Name(n)))
        if changed:  # (run as written: its derivative would be lost)
            raise UnsupportedSyntax(
                f"`{self.origin.code}` changes '{changed[0]}' in place, a value "
                "the gradient depends on, where adcompile cannot follow the write",
                f"compute the new value and assign it to '{changed[0]}' (or pass "
                "the helper a plain name: h(w) after w = ...)",
                self.source.location(node)
                or self.source.location(self.origin.statement),
            )
        self._checkpoint_in_place(node, mutated)
        self._unfresh_names(node)
        mutates = tuple(sorted(self.env[n] for n in mutated if n in self.env))
        if mutates:  # saved for the backward sweep: a copy, where it is read
            self.has_control_flow = True
        self.body.append(ir.Effect(rename_locals(node, self.env), self.origin, mutates))

    def _return(self, node: cst.Return) -> None:
        if node.value is None:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} returns nothing",
                "return the value to differentiate (a real scalar for grad)",
                self.source.location(node),
            )
        self.result_origin = self.origin
        if not self.has_aux:
            self._lower_into(node.value, self.result_key)
            return
        value = node.value
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == 2:
            first, second = (e.value for e in value.elements)
            self._lower_into(first, self.result_key)
            self._assign_static(second, self.aux_key)  # aux carries no gradient
            return
        pair = self._lower(value)  # a pair computed elsewhere: take it apart
        for position, key in enumerate((self.result_key, self.aux_key)):
            index = cst.Integer(str(position))
            if isinstance(pair, ir.Var):
                getitem = registry.lookup(operator.getitem)
                self._apply(getitem, [pair], {}, key, node=value, index=index)
            else:
                element = cst.SubscriptElement(cst.Index(index))
                part = cst.Subscript(parenthesize(pair.node), [element])
                self._bind_alias(key, ir.Static(part))

    def _assign(self, targets: list[cst.BaseExpression], value: cst.BaseExpression):
        first, *others = targets
        if isinstance(value, cst.Lambda) and isinstance(first, cst.Name) and not others:
            self._lambda_def(first.value, value)
            return
        if isinstance(first, cst.Subscript) and not others:
            self._setitem(first, value)
            return
        if (
            isinstance(first, cst.Name)
            and not others
            and list_method(value, self.env) == "pop"
        ):
            self._list_method(value, first.value)
            return
        for target in targets:
            self._check_target(target)
        if isinstance(first, cst.Name):
            operand = self._lower_into(value, first.value)
            self._record_view(first.value, value, others)  # (views.py)
            self._record_part(first.value, value)  # (parts.py)
        elif isinstance(first, (cst.Tuple, cst.List)):
            operand = self._unpack(first, value)
        else:
            raise self._unsupported(first, "assignment to this target")
        for other in others:
            if not isinstance(other, cst.Name):
                raise self._unsupported(other, "assignment to this target")
            self._bind_alias(other.value, operand)

    # ---- expressions -------------------------------------------------------

    def _lower_into(self, value: cst.BaseExpression, name: str) -> ir.Operand:
        if isinstance(value, cst.Name) and value.value in self.env:
            operand = self._lower(value)
            self._bind_alias(name, operand)
            return operand
        if not self._is_varied(value):
            return self._assign_static(value, name)
        operand = self._lower(value, target_name=name)
        if not (isinstance(operand, ir.Var) and self.env.get(name) == operand.name):
            self._bind_alias(name, operand)  # lowered to a value named otherwise
        return operand

    def _assign_static(self, value: cst.BaseExpression, name: str) -> ir.Operand:
        """``name = value`` run as written, its value carrying no derivative."""
        static = self._static(value)
        target = self._new_ssa(name)
        new = self._share_static(value, static, [target])
        self.body.append(ir.Assign(target, static, self.origin))
        self.varied.discard(target)
        shape = SCALAR if is_numeric_literal(value) else ("value", target)
        self._set_shape(target, shape)
        if isinstance(value, (cst.List, cst.Tuple, cst.ListComp)):
            self.sequences.add(target)
        if isinstance(value, (cst.List, cst.Tuple, cst.ListComp, cst.Dict)):
            self.item_holders.add(target)
        if isinstance(value, (cst.DictComp, cst.Set, cst.SetComp)):
            self.item_holders.add(target)
        copied = new_container(value, self.source)  # (list(ws): its items')
        if copied is not None:
            self.item_holders.add(target)
            if copied == "list":
                self.sequences.add(target)
        if new or copied is not None:
            self.fresh.add(target)
        else:
            self._part_or_shared(target, static, value)
        return ir.Var(target)


def normalize(
    source: FunctionSource,
    wrt: list[str],
    wrt_is_tuple: bool,
    np_name: str = "np",
    has_aux: bool = False,
    names: set[str] | None = None,
) -> ir.Program:
    """Lower ``source`` to normal form, differentiating with respect to wrt.
    ``names``: every name of the function's source, if already collected."""
    normalizer = Normalizer(source, wrt, wrt_is_tuple, np_name, has_aux, names)
    return normalizer.run()


def _statements(definition: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = definition.body
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    return [cst.SimpleStatementLine(body.body)]  # def f(x): return x * x


def all_names(module: cst.Module) -> set[str]:
    return {node.value for node in walk(module) if isinstance(node, cst.Name)}
