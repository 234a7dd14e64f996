"""``verify --plot FILE.png``: the picture people would rather look at than a table.

With ``--train``: the two loss curves (torch and Paddle, step by step) and the largest gradient
difference per step on a log scale. Without: the largest output difference of every layer, in
the order layers finish, on a log scale, with the tolerance drawn as a line (the first bar above
it is the first diverging layer). matplotlib is optional (``pip install "torch2paddle[plot]"``);
:func:`plot_available` says whether it can be imported.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["plot_available", "plot_layers", "plot_training"]


def plot_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _positive(values: Sequence[float | None], floor: float) -> list[float]:
    """Values for a log axis: None and zero become ``floor``."""
    return [max(v, floor) if v is not None else floor for v in values]


def plot_training(report: Any, path: str) -> None:
    """Loss curves side by side and the worst gradient difference per step."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    steps = [r.step for r in report.results]
    top.plot(steps, report.loss_torch, "o-", label="torch", linewidth=2)
    top.plot(steps, report.loss_paddle, "x--", label="paddle", linewidth=2)
    top.set_ylabel("loss")
    top.set_title(f"verify --train {report.steps}: {report.target or 'model'}")
    top.legend()
    floor = report.atol / 10
    grads = [max((g.max_abs or 0.0) for g in r.grads) if r.grads else None for r in report.results]
    after = [max((a.max_abs or 0.0) for a in r.after) if r.after else None
             for r in report.results]
    bottom.semilogy(steps, _positive(grads, floor), "o-", label="worst gradient difference")
    bottom.semilogy(steps, _positive(after, floor), "s-", label="worst parameter difference after the step")
    bottom.set_xlabel("step")
    bottom.set_ylabel("max |paddle - torch|")
    bottom.legend()
    if report.first_divergence:
        bottom.axvline(report.first_divergence["step"], color="red", linestyle=":", label="first divergence")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_layers(layers: Sequence[Any], path: str, *, atol: float, title: str = "") -> None:
    """The largest output difference of every layer, in execution order."""
    plt = _pyplot()
    width = min(max(6.0, 0.12 * len(layers)), 40.0)
    fig, ax = plt.subplots(figsize=(width, 4.5))
    floor = atol / 1000
    values = _positive([d.max_abs for d in layers], floor)
    colors = ["tab:blue" if d.ok else "tab:red" for d in layers]
    ax.bar(range(len(layers)), values, color=colors)
    ax.set_yscale("log")
    ax.axhline(atol, color="gray", linestyle="--", label=f"atol {atol:g}")
    ax.set_ylabel("max |paddle - torch| of the layer's output")
    ax.set_xlabel("layers in the order they finish (red: differs)")
    if len(layers) <= 60:
        ax.set_xticks(range(len(layers)))
        ax.set_xticklabels([d.name for d in layers], rotation=90, fontsize=7)
    ax.set_title(title or "per-layer forward difference")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
