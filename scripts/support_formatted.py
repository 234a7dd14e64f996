#!/usr/bin/env python3
"""Format the support code once, here, instead of in every run: write
``translator/translate/support_formatted.json``.

A translation formatted with black's default style (line length 88, string normalization and
magic trailing commas on) puts each support statement it needs (``_torch_pad``, ``TorchLinear``,
their imports) in black's layout.  black on those statements costs a cold single-file run about
a fifth of its time, for a result that depends only on the snippet and black's version.  This
script records black's output for every statement of every snippet (keyed by the SHA-1 of the
statement's text); ``formatting.formatted_block`` uses it when black's version and the style
match, and runs black otherwise (a snippet added or edited since, another black, another
style, the snippets copied from the installed torchvision at run time).

    python scripts/support_formatted.py           # rewrite the file
    python scripts/support_formatted.py --check   # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.translate import formatting, handlers, header, pipeline  # noqa: E402,F401  (every snippet registered)
from translator.translate import support as support_code  # noqa: E402

OUT = formatting.PREFORMATTED


def texts() -> list[str]:
    """The text of each support statement, as ``header._fill_support`` hands it to black."""
    out: list[str] = []
    for name in sorted(support_code.SNIPPETS):
        snip = support_code.SNIPPETS[name]
        if snip.literal_from or snip.made:
            continue  # copied from the installed torchvision, or an adapter: known only at run time
        for stmt in header._render_support((name,)):
            text = header._support_text(stmt, "    ", "\n")
            if text not in out:
                out.append(text)
    return out


def render() -> str:
    import black

    mode = formatting._mode(*formatting.DEFAULT_STYLE)
    entries: dict[str, str | None] = {}
    for text in texts():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formatted = formatting._black_block(black, text, mode)
        entries[hashlib.sha1(text.encode("utf-8")).hexdigest()] = None if formatted == text else formatted
    data = {"black": black.__version__, "style": list(formatting.DEFAULT_STYLE), "statements": dict(sorted(entries.items()))}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/support_formatted.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
