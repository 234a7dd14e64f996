"""One way to write a file: into a temporary file beside it, then rename over it.

Readers never see a partial file, and on any error the target is untouched and the temporary
file is removed.  Used for translations, reports, the result cache and .pdparams files.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", *, fsync: bool = False, keep_mode: bool = False) -> Iterator[IO]:
    """``with atomic_open(path, "w") as f: f.write(...)``; ``mode`` is ``"w"`` (UTF-8 text) or ``"wb"``.

    ``keep_mode`` gives the new file the old one's permission bits (or the umask's default).  A
    symbolic link is written through: its target gets the new content, the link stays a link.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        if keep_mode:
            try:
                file_mode = path.stat().st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                file_mode = 0o666 & ~umask
            os.chmod(tmp, file_mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
