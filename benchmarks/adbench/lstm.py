"""ADBench's LSTM objective, in plain NumPy, with a hand-written gradient.

A stack of ``l`` "diagonal" LSTM layers (each gate multiplies its input
elementwise by a weight vector, as in ADBench) run over a character sequence
``sequence`` (c, b); the loss is the mean log-probability of each next
character. Parameters: ``main_params`` (2l, 4b): a weight and a bias row per
layer; ``extra_params`` (3, b): input scaling, output scaling and output
bias. ``state`` (2l, b) holds each layer's initial hidden and cell rows.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_model(weight, bias, hidden, cell, inp):
    gates = np.concatenate((inp, hidden, inp, hidden)) * weight + bias
    h = hidden.shape[0]
    forget = sigmoid(gates[0:h])
    ingate = sigmoid(gates[h : 2 * h])
    outgate = sigmoid(gates[2 * h : 3 * h])
    change = np.tanh(gates[3 * h :])
    cell = cell * forget + ingate * change
    hidden = outgate * np.tanh(cell)
    return hidden, cell


def lstm_predict(w, w2, state, x):
    x = x * w2[0]
    new_state = []
    for i in range(0, state.shape[0], 2):
        hidden, cell = lstm_model(w[i], w[i + 1], state[i], state[i + 1], x)
        x = hidden
        new_state.append(hidden)
        new_state.append(cell)
    return x * w2[1] + w2[2], np.stack(new_state)


def lstm_objective(main_params, extra_params, state, sequence):
    total = 0.0
    count = 0
    inp = sequence[0]
    for t in range(sequence.shape[0] - 1):
        ypred, state = lstm_predict(main_params, extra_params, state, inp)
        ynorm = ypred - np.log(np.sum(np.exp(ypred)) + 2)
        ygold = sequence[t + 1]
        total = total + np.sum(ygold * ynorm)
        count = count + ygold.shape[0]
        inp = ygold
    return -total / count


# The same model with no parameter rebound in ``lstm_model`` (``cell =
# ...`` and ``hidden = ...`` written to new names): adcompile refuses the
# form above today (see benchmarks/README.md); this one gives its timings.


def lstm_model_renamed(weight, bias, hidden, cell, inp):
    gates = np.concatenate((inp, hidden, inp, hidden)) * weight + bias
    h = hidden.shape[0]
    forget = sigmoid(gates[0:h])
    ingate = sigmoid(gates[h : 2 * h])
    outgate = sigmoid(gates[2 * h : 3 * h])
    change = np.tanh(gates[3 * h :])
    new_cell = cell * forget + ingate * change
    new_hidden = outgate * np.tanh(new_cell)
    return new_hidden, new_cell


def lstm_predict_renamed(w, w2, state, x):
    x = x * w2[0]
    new_state = []
    for i in range(0, state.shape[0], 2):
        hidden, cell = lstm_model_renamed(w[i], w[i + 1], state[i], state[i + 1], x)
        x = hidden
        new_state.append(hidden)
        new_state.append(cell)
    return x * w2[1] + w2[2], np.stack(new_state)


def lstm_objective_renamed(main_params, extra_params, state, sequence):
    total = 0.0
    count = 0
    inp = sequence[0]
    for t in range(sequence.shape[0] - 1):
        ypred, state = lstm_predict_renamed(main_params, extra_params, state, inp)
        ynorm = ypred - np.log(np.sum(np.exp(ypred)) + 2)
        ygold = sequence[t + 1]
        total = total + np.sum(ygold * ynorm)
        count = count + ygold.shape[0]
        inp = ygold
    return -total / count


def inputs(layers, c, b=14, seed=0):
    """(main_params, extra_params, state, sequence) at ADBench's shapes."""
    rng = np.random.default_rng(seed)
    main_params = rng.standard_normal((2 * layers, 4 * b))
    extra_params = rng.standard_normal((3, b))
    state = rng.standard_normal((2 * layers, b))
    sequence = rng.standard_normal((c, b))
    return main_params, extra_params, state, sequence


def lstm_grad_by_hand(main_params, extra_params, state, sequence):
    """Gradient wrt (main_params, extra_params): backpropagation through time."""
    w, w2 = main_params, extra_params
    layers = state.shape[0] // 2
    b = state.shape[1]
    hidden = [state[2 * i] for i in range(layers)]
    cell = [state[2 * i + 1] for i in range(layers)]
    steps = sequence.shape[0] - 1
    count = steps * b
    tape = []  # per step: the top layer's output, softmax terms, per-layer saves
    for t in range(steps):
        x = sequence[t] * w2[0]
        saved = []
        for i in range(layers):
            weight, bias = w[2 * i], w[2 * i + 1]
            inp4 = np.concatenate((x, hidden[i], x, hidden[i]))
            gates = inp4 * weight + bias
            f = 1.0 / (1.0 + np.exp(-gates[:b]))
            g_in = 1.0 / (1.0 + np.exp(-gates[b : 2 * b]))
            o = 1.0 / (1.0 + np.exp(-gates[2 * b : 3 * b]))
            change = np.tanh(gates[3 * b :])
            new_cell = cell[i] * f + g_in * change
            tanh_cell = np.tanh(new_cell)
            saved.append((inp4, cell[i], f, g_in, o, change, tanh_cell))
            hidden[i] = o * tanh_cell
            cell[i] = new_cell
            x = hidden[i]
        ypred = x * w2[1] + w2[2]
        e = np.exp(ypred)
        tape.append((x, e / (np.sum(e) + 2), saved))
    dw = np.zeros_like(w)
    dw2 = np.zeros_like(w2)
    dhidden = [np.zeros(b) for _ in range(layers)]
    dcell = [np.zeros(b) for _ in range(layers)]
    for t in range(steps - 1, -1, -1):
        top, soft, saved = tape[t]
        dynorm = -sequence[t + 1] / count
        dypred = dynorm - soft * np.sum(dynorm)
        dw2[1] += dypred * top
        dw2[2] += dypred
        dx = dypred * w2[1]
        for i in range(layers - 1, -1, -1):
            inp4, cell_prev, f, g_in, o, change, tanh_cell = saved[i]
            dh = dx + dhidden[i]
            dcell_new = dcell[i] + dh * o * (1.0 - tanh_cell * tanh_cell)
            dgates = np.concatenate(
                (
                    dcell_new * cell_prev * f * (1.0 - f),
                    dcell_new * change * g_in * (1.0 - g_in),
                    dh * tanh_cell * o * (1.0 - o),
                    dcell_new * g_in * (1.0 - change * change),
                )
            )
            dw[2 * i] += dgates * inp4
            dw[2 * i + 1] += dgates
            dinp4 = dgates * w[2 * i]
            dx = dinp4[:b] + dinp4[2 * b : 3 * b]
            dhidden[i] = dinp4[b : 2 * b] + dinp4[3 * b :]
            dcell[i] = dcell_new * f
        dw2[0] += dx * sequence[t]
    return dw, dw2
