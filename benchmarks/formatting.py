#!/usr/bin/env python3
"""What formatting promises, on a whole folder: translate every .py file with and without
formatting (default: the installed torchvision's ``models/`` and ``samples/torch_src``) and count

* changed or added lines longer than the line length (``long``; lines that are long only
  because of one string literal, which black does not split, are counted apart);
* lines the translation did not touch (outside every statement it changed) that the formatted
  output does not keep byte for byte (``moved``; must be 0);
* comment words of the unformatted output missing from the formatted one (``comments lost``;
  must be 0): black keeps comments, wrapping a long one keeps its words;
* files whose formatted output a second translation changes while the unformatted output is
  stable (``unstable``; must be 0 -- ``benchmarks/idempotence.py`` covers the translation itself);
* long lines inside the support block apart (``long support``): the snippets are written to fit,
  docstrings and comments included (black leaves those as written), so any is counted;
* of the ``long`` lines, those inside definitions carried from library sources (torchvision's
  ``Conv2dNormActivation`` written into a model's file): new code in the output, formatted like
  any other, shown apart so a regression there is easy to see;
* the time spent with and without formatting, as a ratio from the same run;
* for each folder, the same ``long`` count on the folder translated as a tree (``translate DIR
  -o OUT/``: support code and carried definitions moved into ``_torch2paddle_support.py``, which
  each file imports): lines of the output that are no line of the input (``long in tree``).

    python benchmarks/formatting.py [DIR ...] [--line-length 88] [--jobs 2]

Exit 1 when any line is ``long``, ``long support``, ``long in tree`` or ``moved``, a comment
word is lost, or a file is ``unstable``.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import io
import multiprocessing
import sys
import time
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _torchvision_models() -> Path | None:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def _check(job: tuple[str, int]) -> dict:
    from translator.settings import Settings
    from translator.translate.formatting import check_output, unwrapped_lines
    from translator.translate.pipeline import translate_source

    path, line_length = job
    text = Path(path).read_text(encoding="utf-8")
    plain = Settings(trust_parser=True, format=False)
    styled = Settings(trust_parser=True, line_length=line_length)
    t0 = time.perf_counter()
    unformatted = translate_source(text, path=path, settings=plain)
    t1 = time.perf_counter()
    formatted = translate_source(text, path=path, settings=styled)
    t2 = time.perf_counter()
    again = translate_source(formatted.code, path=path, settings=styled)
    plain_again = translate_source(unformatted.code, path=path, settings=plain)
    found = check_output(text, unformatted.code, formatted.code, line_length)
    lines = formatted.code.splitlines()
    from translator.translate.libraries import BEGIN, END
    from translator.translate.support import FOOTER, HEADER

    support = _block_lines(lines, HEADER, FOOTER)
    library = _block_lines(lines, BEGIN, END)
    return {
        "path": path,
        "plain": t1 - t0,
        "styled": t2 - t1,
        "long": [(n, lines[n - 1]) for n in found["long"] if n not in support],
        "long_support": [(n, lines[n - 1]) for n in unwrapped_lines(formatted.code, line_length) if n in support],
        "long_library": [(n, lines[n - 1]) for n in found["long"] if n in library and n not in support],
        "moved": found["moved"],
        "comments_lost": sum((_comment_words(unformatted.code) - _comment_words(formatted.code)).values()),
        # the translation's own second-pass changes (benchmarks/idempotence.py) are not counted
        "unstable": again.code != formatted.code and plain_again.code == unformatted.code,
        "unstable_anyway": plain_again.code != unformatted.code,
        "warnings": [d.message for d in formatted.diagnostics if d.code == "format"],
        "changed": formatted.changed,
    }


def _comment_words(code: str) -> collections.Counter:
    """The words of the comments of ``code`` (``#``, ``#:`` and spacing left out)."""
    words: collections.Counter = collections.Counter()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                words.update(tok.string.lstrip("#:").split())
    except (tokenize.TokenError, SyntaxError):
        pass
    return words


def _tree_long(folder: Path, line_length: int) -> list[tuple[str, int, str]]:
    """The lines over ``line_length`` of ``folder`` translated as a tree that are no line of
    the input file (nor long only because of a string literal)."""
    import tempfile

    from translator.paths import translate_path
    from translator.settings import Settings
    from translator.translate.formatting import _long_because_of_a_string, multiline_string_lines

    with tempfile.TemporaryDirectory() as tmp:
        out_root = Path(tmp) / folder.name
        translate_path(folder, out_root, settings=Settings(trust_parser=True, line_length=line_length))
        found = []
        for out in sorted(out_root.rglob("*.py")):
            source = folder / out.relative_to(out_root)
            known = set(source.read_text(encoding="utf-8").splitlines()) if source.is_file() else set()
            code = out.read_text(encoding="utf-8")
            strings: set[int] | None = None
            for n, line in enumerate(code.splitlines(), 1):
                if len(line) <= line_length or line in known or _long_because_of_a_string(line, line_length):
                    continue
                strings = multiline_string_lines(code) if strings is None else strings
                if n not in strings:
                    found.append((str(out.relative_to(out_root)), n, line))
    return found


def _block_lines(lines: list[str], begin: str, end: str) -> set[int]:
    """The lines from a ``begin`` comment line to its ``end`` line: the support block (the
    snippets' text, formatted by black) or the definitions copied from library sources."""
    out: set[int] = set()
    inside = False
    for n, line in enumerate(lines, 1):
        if line.strip() == begin:
            inside = True
        if inside:
            out.add(n)
        if line.strip() == end:
            inside = False
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--line-length", type=int, default=88)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    dirs = args.dirs or [d for d in (_torchvision_models(), ROOT / "samples" / "torch_src") if d is not None]
    files = sorted(str(p) for d in dirs for p in ([d] if d.is_file() else d.rglob("*.py")))
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        results = pool.map(_check, [(f, args.line_length) for f in files], chunksize=4)
    long = [(r["path"], n, line) for r in results for n, line in r["long"]]
    moved = [(r["path"], n) for r in results for n in r["moved"]]
    unstable = [r["path"] for r in results if r["unstable"]]
    long_support = [(r["path"], n, line) for r in results for n, line in r["long_support"]]
    long_library = sum(len(r["long_library"]) for r in results)  # counted in `long` too
    unstable_anyway = sum(r["unstable_anyway"] for r in results)
    comments_lost = sum(r["comments_lost"] for r in results)
    tree_long = [(str(d), *hit) for d in dirs if d.is_dir() for hit in _tree_long(d, args.line_length)]
    for folder, path, n, line in tree_long:
        print(f"long in tree: {folder}: {path}:{n}: {len(line)} columns: {line.strip()[:100]}")
    for path, n, line in long:
        print(f"long: {path}:{n}: {len(line)} columns: {line.strip()[:100]}")
    for path, n, line in long_support:
        print(f"long support: {path}:{n}: {len(line)} columns")
    for path, n in moved:
        print(f"moved: {path}:{n}")
    for path in unstable:
        print(f"unstable: {path}")
    for r in results:
        for w in r["warnings"]:
            print(f"warning: {r['path']}: {w}")
    plain = sum(r["plain"] for r in results)
    styled = sum(r["styled"] for r in results)
    print()
    print(f"{len(files)} files ({sum(r['changed'] for r in results)} changed), {time.perf_counter() - start:.0f} s")
    print(f"changed/added lines over {args.line_length} columns: {len(long)}")
    print(f"  of which in definitions carried from library sources: {long_library}")
    print(f"support-code lines over {args.line_length} columns (but for string literals): {len(long_support)}")
    print(f"lines over {args.line_length} columns in the folders translated as trees: {len(tree_long)}")
    print(f"untouched lines not kept byte for byte: {len(moved)}")
    print(f"comment words of the unformatted output missing from the formatted one: {comments_lost}")
    print(f"files a second translation changes because of the formatting: {len(unstable)}"
          f" (and {unstable_anyway} the translation changes on a second pass either way)")
    print(f"translation time without formatting {plain:.2f} s, with {styled:.2f} s: ratio {styled / max(plain, 1e-9):.2f}")
    return 1 if long or long_support or tree_long or moved or unstable or comments_lost else 0


if __name__ == "__main__":
    sys.exit(main())
