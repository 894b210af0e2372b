"""Liveness of user names after each statement (normal/liveness.py)."""

import textwrap

import libcst as cst

from adcompile._src.normal.liveness import live_after


def _after(code: str) -> dict[str, frozenset[str]]:
    """Names live after each simple statement, keyed by its code."""
    module = cst.parse_module(textwrap.dedent(code))
    table = live_after(list(module.body))
    found: dict[str, frozenset[str]] = {}
    for node in _small_statements(module):
        found[module.code_for_node(node).strip()] = table[id(node)]
    return found


def _small_statements(module: cst.Module) -> list[cst.CSTNode]:
    smalls: list[cst.CSTNode] = []

    class Visitor(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            smalls.extend(node.body)

    module.visit(Visitor())
    return smalls


def test_straight_line():
    after = _after("""
        y = x * 2
        z = y
        y[0] = 1
        return np.sum(y)
        """)
    assert after["z = y"] == {"y", "np"}  # z is never read again
    assert after["y[0] = 1"] == {"y", "np"}


def test_a_name_given_a_new_value_on_every_path_is_dead_before_it():
    after = _after("""
        row = M[0]
        M[1] = x
        if c:
            row = x
        else:
            row = 2 * x
        return row
        """)
    assert "row" not in after["M[1] = x"]


def test_a_name_given_a_new_value_on_one_path_stays_live():
    after = _after("""
        row = M[0]
        M[1] = x
        if c:
            row = x
        return row
        """)
    assert "row" in after["M[1] = x"]


def test_read_at_the_top_of_the_next_trip():
    after = _after("""
        for i in range(3):
            y[i] = 0.0
            s = s + np.sum(pair[0])
            pair = [y, x]
        return s
        """)
    assert "pair" in after["y[i] = 0.0"]
    assert "pair" in after["pair = [y, x]"]  # read on the next trip


def test_loop_target_is_given_a_new_value_each_trip():
    after = _after("""
        for row in M:
            M[0] = row * 2
        return np.sum(M)
        """)
    assert "row" not in after["M[0] = row * 2"]


def test_break_and_continue():
    after = _after("""
        while k < 3:
            k = k + 1
            if k == 2:
                t = v
                break
            if k == 1:
                u = w
                continue
            s = s + k
        return s + t
        """)
    assert after["t = v"] >= {"s", "t"}  # after the loop
    assert "k" in after["u = w"]  # the loop's test, next
    assert "v" in after["u = w"]  # read on a later trip


def test_return_ends_every_life():
    after = _after("""
        if c:
            y = x
            return y
        z = 2 * x
        return z
        """)
    assert after["y = x"] == {"y"}
    assert after["return y"] == frozenset()
