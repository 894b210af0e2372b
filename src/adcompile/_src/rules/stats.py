"""Rules of ``scipy.stats.norm``, registered once the user's code imports
``scipy.stats``.

``norm.pdf``, ``logpdf``, ``cdf``, ``logcdf``, ``sf``, ``logsf`` and ``ppf``
are differentiable in their argument, ``loc`` and ``scale`` (positional or
keyword, 0 and 1 when left out). As with ``scipy.special``, scipy is not a
dependency: the forward sweep calls the method as the user spelled it
(``norm.pdf``, ``st.norm.pdf``, ``scipy.stats.norm.pdf``), and the templates
use numpy and the runtime helpers ``normal_pdf`` and ``normal_logpdf`` only.
The rules are keyed by the bound methods of scipy's one ``norm`` object (a
frozen distribution, ``norm(mu, s).pdf(x)``, has none and is refused).

Invariant: every local derivative is finite wherever the function's value
and its true derivative are: the log-probabilities' derivatives are ratios
formed in log space, ``exp(logpdf - logcdf)`` for ``d log Phi``, never
``pdf / cdf``, which is 0 / 0 far in the tail.
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.rules.registry import (
    BROADCAST,
    Primitive,
    defrule,
    parse_signature,
    register,
    when_imported,
)

# with z = (x - loc) / scale: dz/dx = 1 / scale, dz/dloc = -1 / scale,
# dz/dscale = -z / scale
_DENSITY = "normal_pdf(x, loc, scale)"  # Phi'(z) / scale
_RATIO = "np.exp(normal_logpdf(x, loc, scale) - ans)"  # d log Phi(z) / dx

# method -> its argument's name, and the local derivatives in it, loc and
# scale (``ans`` is the method's value)
DERIVATIVES: dict[str, tuple[str, tuple[str, str, str]]] = {
    "pdf": (
        "x",
        (
            "-(x - loc) / scale**2 * ans",
            "(x - loc) / scale**2 * ans",
            "((x - loc) ** 2 / scale**2 - 1.0) / scale * ans",
        ),
    ),
    "logpdf": (
        "x",
        (
            "-(x - loc) / scale**2",
            "(x - loc) / scale**2",
            "((x - loc) ** 2 / scale**2 - 1.0) / scale",
        ),
    ),
    "cdf": ("x", (_DENSITY, f"-{_DENSITY}", f"-(x - loc) / scale * {_DENSITY}")),
    "sf": ("x", (f"-{_DENSITY}", _DENSITY, f"(x - loc) / scale * {_DENSITY}")),
    "logcdf": ("x", (_RATIO, f"-{_RATIO}", f"-(x - loc) / scale * {_RATIO}")),
    "logsf": ("x", (f"-{_RATIO}", _RATIO, f"(x - loc) / scale * {_RATIO}")),
    # ans = loc + scale * Phi^-1(q): dq = scale / Phi'(z), z = (ans - loc) / scale
    "ppf": ("q", ("1.0 / normal_pdf(ans, loc, scale)", "1.0", "(ans - loc) / scale")),
}
_PARAMS = ("loc", "scale")


def _templates(
    argument: str, derivatives: tuple[str, str, str], simple: bool
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The reverse and forward templates (``g * d``, ``t * d``); ``simple``:
    for a call that leaves loc and scale at 0 and 1, which the helpers'
    defaults are too."""
    vjps: dict[str, str | None] = {}
    jvps: dict[str, str | None] = {}
    for param, derivative in zip((argument, *_PARAMS), derivatives, strict=True):
        text = derivative.replace(", loc, scale)", ")") if simple else derivative
        vjps[param], jvps[param] = _times("g", text), _times("t", text)
    return vjps, jvps


def _times(factor: str, derivative: str) -> str:
    """``g * d`` as a person writes it: ``g`` for d = 1, ``-g * f(x)``,
    ``g * (-(x - loc) / scale**2)``."""
    if derivative == "1.0":
        return factor
    sign, call = ("-", derivative[1:]) if derivative[0] == "-" else ("", derivative)
    if isinstance(cst.parse_expression(call), cst.Call):
        return f"{sign}{factor} * {call}"
    return f"{factor} * ({derivative})"


def _register_norm() -> None:
    from scipy.stats import norm

    for method, (argument, derivatives) in DERIVATIVES.items():
        vjps, jvps = _templates(argument, derivatives, simple=False)
        simple, _ = _templates(argument, derivatives, simple=True)
        register(
            Primitive(
                key=getattr(norm, method),
                name=method,
                spelling=f"scipy.stats.norm.{method}",
                params=parse_signature(f"{argument}, loc=0, scale=1"),
                vjps=vjps,
                jvps=jvps,
                simple={p: t for p, t in simple.items() if t is not None},
                simple_when=_PARAMS,
                shape=BROADCAST,
                user_spelling=True,
            )
        )


# registered once the user's code imports scipy.stats (never imported here)
when_imported("scipy.stats", _register_norm)

# the runtime helpers the templates call, with their own rules (derivative
# code that calls them is differentiated again for Hessian-vector products)
for _helper, _method in [("normal_pdf", "pdf"), ("normal_logpdf", "logpdf")]:
    _vjps, _jvps = _templates("x", DERIVATIVES[_method][1], simple=False)
    defrule(_helper, "x, loc=0.0, scale=1.0", shape=BROADCAST, jvp=_jvps, **_vjps)
