"""``for`` loops over ranges and static sequences, with branches inside."""

import numpy as np

from . import (
    Case,
)

RNG = np.random.default_rng(7)
X3 = np.array([0.4, -1.2, 0.9])
W33 = RNG.standard_normal((3, 3)) * 0.5
XS = RNG.standard_normal((4, 3))
TS = np.array([0.5, 1.5, -0.3])


def power_by_loop(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


def logistic_map(r, y0):
    y = y0
    for _ in range(5):
        y = r * y * (1.0 - y)
    return y


def rnn_final_state(W, U, xs):
    h = np.zeros(3)
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h * h)


def loop_with_branch_inside(x):
    y = x
    for _ in range(6):
        if y > 1.0:
            y = y / 2.0 + np.sin(x)
        else:
            y = y * y + x
    return y


def nested_loops_with_branch(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            if (i + j) % 2 == 0:
                s = s + x[i] * x[j]
            else:
                s = s - np.sin(x[i] - x[j])
    return s


def neighbours_by_index(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + x[i] * x[i - 1]
    return s


def gradient_descent_on_parameter(x):
    """The parameter itself is reassigned on every trip."""
    for _ in range(4):
        x = x - 0.1 * np.cos(x) * x
    return np.sum(x**2)


def loop_target_used_after(x, n):
    y = x
    for i in range(n):
        y = y + x * i
    return y * i


def fibonacci_like(a, b):
    for _ in range(5):
        a, b = b, a + b * 0.5
    return a * b


def range_with_step(x):
    y = 0.0
    for k in range(1, 8, 3):
        y = y + np.sin(k * x)
    return y


def loop_over_static_array(x):
    y = 0.0
    for t in np.linspace(0.0, 1.0, 5):
        y = y + np.sin(t * x) * t
    return y


def augmented_in_loop(x):
    s = 0.0
    for k in range(4):
        s += x**k / (k + 1)
    return s


def value_first_defined_in_loop(x):
    y = x * 0.0
    for i in range(3):
        z = np.sin(x * (i + 1))
        y = y + z
    return np.sum(y + z)


def product_of_array_loop(x):
    p = x * 0.0 + 1.0
    for i in range(3):
        p = p * (x + i)
    return np.sum(p)


def triangular_nested_loops(x):
    """The inner trip count depends on the outer loop variable."""
    y = x
    for i in range(4):
        for _ in range(i):
            y = np.sin(y) + x
    return y


def trip_count_from_parameter_value(x, steps):
    """Trip count read from a parameter that is not differentiated."""
    n = int(steps)
    y = x
    for _ in range(n):
        y = y * 0.5 + np.cos(y)
    return y


def loop_target_reassigned(x, ts):
    y = x
    for t in ts:
        t = t * 2.0
        y = y * t
    return y


def range_bound_reassigned_in_loop(x, n):
    y = x
    for _ in range(n):
        n = n - 1
        y = y * (n + 1.5)
    return y


def two_carried_arrays(x, W):
    h = x
    c = x * 0.5
    for _ in range(3):
        c = c * 0.5 + np.tanh(W @ h)
        h = np.sin(c) * h
    return np.sum(h + c)


def loop_carried_scalar_times_vector(x, w):
    s = 0.0
    for k in range(3):
        s = s + w * (x + k)
    return np.sum(s * s)


def use_then_update(x):
    """A value is read, then updated for the next trip only."""
    t = 0.0
    s = x
    for _ in range(3):
        t = t + s
        s = s * 1.1
    return t


def use_then_update_array(W, x):
    h = x
    total = 0.0
    for _ in range(3):
        total = total + np.sum(np.tanh(h))
        h = W @ h
    return total


def branch_on_loop_index(x):
    y = x
    for i in range(5):
        if i % 2 == 0:
            y = y * x
        else:
            y = y + np.sin(y)
    return y


def name_collisions(x):
    """User names that look like the emitted ones."""
    cond = x * 2.0
    trips = 0.0
    stack_y = x
    bx = x * 0.5
    for trip in range(3):
        if cond > 1.0:
            cond = cond * 0.7
        trips = trips + cond * stack_y + bx
        stack_y = stack_y * 1.1
    return trips + cond + stack_y


def accumulate_into_zeros(X):
    s = np.zeros(3)
    for row in X:
        s += row * row
    return np.sum(s * s)


def loop_target_shadows_parameter(x, ts):
    """The loop target rebinds the parameter: its gradient is still that of
    the parameter (of its shape)."""
    y = x * 2.0
    for x in ts:
        y = y * x + 1.0
    return np.sum(y)


def loop_target_rebinds_earlier_value(x, ts):
    """The backward sweep reads t = exp(x) after the loop rebound t."""
    t = np.exp(x)
    y = t * 1.0
    for t in ts:
        y = y * t
    return y


def keep_best_row(X):
    """Select by comparison: the gradient flows into the chosen row."""
    best = X[0]
    for row in X[1:]:
        if np.sum(row) > np.sum(best):
            best = row
    return np.sum(best**2)


def variable_first_set_in_branch_in_loop(x):
    y = x
    for k in range(4):
        if k == 2:
            z = np.sin(y)
        y = y * 1.1 + 0.1
    return y * z


def zero_trips_over_rows(X, w):
    s = np.sum(w) * 0.5
    for row in X:
        s = s + row @ w
    return s


def counter_only_loop(x):
    n = 0
    for _ in range(4):
        n = n + 2
    return x * n


def _halve_or_square(y, x):
    """A helper with an early return, called from a loop."""
    if y > 1.0:
        return y * 0.5
    return y * y + x


def helper_with_branch_in_loop(x):
    y = x
    for _ in range(5):
        y = _halve_or_square(y, x)
    return y


def conditional_expression_in_loop(x):
    y = x
    for _ in range(5):
        y = np.sin(y) + x if y > 1.0 else y * 2.0
    return y


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)


def trip_count_from_differentiated_value(x):
    """range(int(...)) of a differentiated value: the count is piecewise
    constant, the loop body is differentiated."""
    y = 0.0
    for k in range(int(x * 3)):
        y = y + x * k
    return y


def loop_target_read_after_break(x):
    y = x
    for k in range(10):
        y = y * 1.5
        if y > 3.0:
            break
    return y * k


def parameter_reassigned_in_loop(a, v):
    """The gradient with respect to a float parameter is a float, even when
    the loop rebinds the parameter to a numpy scalar."""
    for _ in range(2):
        a = np.sum(np.sin(v)) * 0.3 + a
    return a * 2.0


def reversed_static_range(x, n):
    y = x
    for i in reversed(range(n)):
        y = np.sin(y) + i * x
    return y


def loop_float32(x):
    y = x
    for _ in range(3):
        y = np.tanh(y * 1.5)
    return np.sum(y)


def stack_with_pop(x, n):
    """A hand-written stack: values pushed in one loop, popped in another."""
    stack = []
    y = x
    for _ in range(n):
        stack.append(y)
        y = np.sin(y)
    z = 0.0
    for _ in range(n):
        y = stack.pop()
        z = z + y * y
    return np.sum(z * y)


def np_append_in_a_loop(x, n):
    """np.append is a numpy function, not a list's append."""
    y = x
    for _ in range(n):
        y = np.append(y, 1.0)[:3] * x
    return np.sum(y)


def rows_unpacked_into_a_list(X, x):
    """[*items, value] with the rows of an array, and with a tuple."""
    rows = [*X, x * 2.0]
    pair = (x, x * x)
    more = [*pair, np.sin(x)]
    return np.sum(np.stack(rows) ** 3) + np.sum(more[0] * more[2] + more[1])


def pop_in_straight_line(x):
    items = [x, x * 2.0, np.cos(x)]
    last = items.pop()
    middle = items.pop()
    return np.sum(last * middle + items[0])


CASES = [
    Case(stack_with_pop, (X3, 3)),
    Case(pop_in_straight_line, (X3,)),
    Case(rows_unpacked_into_a_list, (np.array([[0.5, -0.3, 0.8]] * 2) + X3, X3)),
    Case(np_append_in_a_loop, (X3, 2)),
    Case(power_by_loop, (1.3, 4), label="n4"),
    Case(power_by_loop, (1.3, 0), label="n0"),
    Case(logistic_map, (3.1, 0.3), wrt=(0, 1)),
    Case(rnn_final_state, (W33, W33.T, XS), wrt=(0, 1, 2)),
    Case(loop_with_branch_inside, (0.3,), label="small"),
    Case(loop_with_branch_inside, (1.7,), label="large"),
    Case(nested_loops_with_branch, (X3,)),
    Case(neighbours_by_index, (X3,)),
    Case(gradient_descent_on_parameter, (X3,)),
    Case(
        loop_target_used_after,
        (0.7, 3),
        fails=frozenset({"vjp"}),
    ),
    Case(fibonacci_like, (0.3, 0.8), wrt=(0, 1)),
    Case(range_with_step, (0.6,)),
    Case(loop_over_static_array, (0.6,)),
    Case(augmented_in_loop, (0.6,)),
    Case(value_first_defined_in_loop, (X3,)),
    Case(product_of_array_loop, (X3,)),
    Case(triangular_nested_loops, (0.4,)),
    Case(trip_count_from_parameter_value, (0.4, 3.0)),
    Case(range_bound_reassigned_in_loop, (0.7, 3)),
    Case(two_carried_arrays, (X3, W33), wrt=(0, 1)),
    Case(loop_carried_scalar_times_vector, (0.3, X3), wrt=(0, 1)),
    Case(loop_carried_scalar_times_vector, (X3, 0.3), wrt=(0, 1), label="swap"),
    Case(use_then_update, (0.7,)),
    Case(
        use_then_update_array,
        (W33, X3),
        wrt=(0, 1),
    ),
    Case(branch_on_loop_index, (0.8,)),
    Case(name_collisions, (0.9,)),
    Case(accumulate_into_zeros, (XS,), autograd=False),
    Case(loop_target_shadows_parameter, (X3[:2].copy(), TS)),
    Case(
        loop_target_rebinds_earlier_value,
        (0.3, TS),
    ),
    Case(keep_best_row, (XS,)),
    Case(variable_first_set_in_branch_in_loop, (0.6,)),
    Case(zero_trips_over_rows, (np.zeros((0, 3)), X3), wrt=(0, 1)),
    Case(counter_only_loop, (0.6,)),
    Case(helper_with_branch_in_loop, (0.6,)),
    Case(conditional_expression_in_loop, (0.3,)),
    Case(recursive_power, (1.3, 3), fails=frozenset({"vjp"})),
    Case(trip_count_from_differentiated_value, (1.7,), autograd=False),
    Case(
        loop_target_read_after_break,
        (0.7,),
        fails=frozenset({"vjp"}),
    ),
    Case(parameter_reassigned_in_loop, (0.2, X3), wrt=(0, 1)),
    Case(reversed_static_range, (0.3, 3)),
    Case(loop_float32, (X3.astype(np.float32),), autograd=False),
]


# refused for now, each with an error that names the construct and its line
REFUSED = [Case(loop_target_reassigned, (0.7, TS))]
