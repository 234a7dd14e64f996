#!/usr/bin/env python3
"""Deeply nested expressions (issue 15 item 2): the time ``translate_source`` takes on each.

    python benchmarks/deep_nesting.py            # 5,000 terms
    python benchmarks/deep_nesting.py --n 20000

Prints wall-clock and CPU seconds (CPU time is what a loaded machine does not inflate), the
status, and for each case that scales the CPU-time ratio to the same case at n / 2 (about 2 when
the cost grows linearly, about 4 when it grows quadratically).  The rule table is loaded before
timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cases(n: int) -> dict[str, str]:
    head = "import torch\n\n\ndef g(a0, a1, a2, a3, a4, a5, a6):\n    return "
    calls = " + ".join(f"torch.abs(a{i % 7})" if i % 3 == 0 else f"a{i % 7}" for i in range(n))
    lines = "\n        + ".join(f"torch.abs(a{i % 7})" if i % 3 == 0 else f"a{i % 7}" for i in range(n))
    return {
        f"a + b + ... ({n} names)": head + " + ".join(f"a{i % 7}" for i in range(n)) + "\n",
        f"a + torch.abs(b) + ... ({n} terms)": head + calls + "\n",
        f"the same over {n} lines": head + "(\n        " + lines + "\n    )\n",
        "199 nested torch.abs calls": head + "torch.abs(" * 199 + "a0" + ")" * 199 + "\n",
        f"{n} nested calls (CPython: too many nested parentheses)": head + "torch.abs(" * n + "a0" + ")" * n + "\n",
        f"x.a().b().c()... ({n} method calls)": head + "a0" + "".join(f".{'abc'[i % 3]}()" for i in range(n)) + "\n",
        f"torch.zeros([3]).view(3, 1)... ({n} tensor methods)": head + "torch.zeros([3])" + ".view(3, 1)" * n + "\n",
        f"torch.abs(x).sum().view(-1).foo()... ({n} calls)": head + "torch.abs(a0)"
        + "".join((".sum()", ".view(-1)", ".foo()")[i % 3] for i in range(n)) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    from translator.settings import Settings
    from translator.translate.pipeline import translate_source

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args(argv)
    settings = Settings(trust_parser=True)
    translate_source("import torch\nx = torch.abs(y)\n", settings=settings)  # table and handlers loaded
    print(f"{'case':<58} {'wall s':>7} {'cpu s':>7} {'n/half':>7}  status")
    halves = list(cases(args.n // 2).values())
    for i, (name, code) in enumerate(cases(args.n).items()):
        wall, cpu = time.perf_counter(), time.process_time()
        out = translate_source(code, settings=settings)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        ratio = ""
        if "nested" not in name:  # nesting cases are refused or fixed-size: no growth to show
            half = time.process_time()
            translate_source(halves[i], settings=settings)
            half = time.process_time() - half
            ratio = f"{cpu / half:.1f}" if half > 0.01 else ""
        print(f"{name:<58} {wall:>7.2f} {cpu:>7.2f} {ratio:>7}  {out.status.value} {[d.code for d in out.diagnostics][:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
