"""What a translation run is configured with, passed explicitly from the edge inwards.

The CLI builds one ``Settings`` from its arguments (and, later, from ``[tool.torch2paddle]``);
library callers pass one to ``translate_source``/``translate_path`` or take the default.  It
travels as a value through ``translate_many`` into worker processes (it pickles): no
environment variable or module global configures the engine.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Settings:
    #: oldest Paddle the output must run on (``"2.6"``); rules needing a newer one are not
    #: applied, their code is left and reported.  None: the newest.
    paddle_version: str | None = None
    #: parse without LibCST's per-node validation (trees from its parser are valid by
    #: construction).  The switch is process-wide while a parse runs, so only single-threaded
    #: callers (the CLI and its workers) turn it on.
    trust_parser: bool = False
    #: where the loaded rule table is kept (as JSON) between runs; None: ``~/.cache/torch2paddle``.
    #: The CLI passes the folder its environment names ($TORCH2PADDLE_CACHE_DIR, $XDG_CACHE_HOME).
    cache_dir: str | None = None
    #: reproduce torch's default initialization for the layers whose Paddle default differs
    #: (Linear, Conv*, ConvTranspose*, Bilinear, Embedding): each is wrapped in the emitted
    #: support function ``_torch_init``. Off by default (see docs/weights-and-verify.md).
    torch_init: bool = False
    #: diagnostic codes (or prefixes: ``"T2P1"``) to report, ruff's ``select``; None: all
    select: tuple[str, ...] | None = None
    #: codes (or prefixes) not to report, nor mark in the output (``ignore`` wins a tie)
    ignore: tuple[str, ...] = ()
    #: format the code the translation changed or added with black (only those lines; the
    #: others stay byte for byte) and wrap marker comments to ``line_length``.  The CLI's
    #: ``--no-format`` turns it off.
    format: bool = True
    #: the line length new code is formatted to (black's ``line-length``; the CLI reads the
    #: project's ``[tool.black]`` or ``[tool.torch2paddle]``).
    line_length: int = 88
    #: black's string normalization (double quotes) on the lines it formats
    #: (``skip-string-normalization`` turns it off).
    string_normalization: bool = True
    #: black's magic trailing comma (``skip-magic-trailing-comma`` turns it off).
    magic_trailing_comma: bool = True
    #: libraries built on torch whose definitions a file imports are translated from their
    #: source and carried with the output (``translate/libraries.py``); () turns it off
    libraries: tuple[str, ...] = ("torchvision",)
    #: the folder of the tree being translated: relative imports of modules inside it stay (they
    #: point at the translated siblings); None for a file translated alone, which carries what
    #: its relative imports need
    tree_root: str | None = None

    def cache_key(self) -> str:
        """The part of a result-cache key that depends on the settings."""
        style = f"format={self.line_length},{int(self.string_normalization)}{int(self.magic_trailing_comma)}"
        key = (f"paddle={self.paddle_version or ''}" + (";torch_init" if self.torch_init else "")
               + f";{style if self.format else 'format=off'}")
        if self.select is not None or self.ignore:
            key += f";select={','.join(self.select or ('ALL',))};ignore={','.join(self.ignore)}"
        return key + f";libraries={','.join(self.libraries)};tree={self.tree_root or ''}"


DEFAULT = Settings()
