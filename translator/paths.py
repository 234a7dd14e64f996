"""Translating files and trees: reading, atomic writing, mirroring a directory.

Rules every caller relies on:

- a file that cannot be read as UTF-8 Python source gives a FAILED :class:`Translation`
  (never an exception), and nothing is written for it;
- every write goes to a temporary file in the target's folder that is then renamed over the
  target, so a target is either its old content or its complete new content;
- one file failing (to read, to parse, to translate, to write) never stops the others.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import gc
import io
import os
import shutil
import stat
import tokenize
from pathlib import Path
from typing import Callable, Iterator

from . import codes
from .atomic import atomic_open
from .diagnostics import Diagnostic, Status, Translation
from .pathfilter import PathFilter
from .rules import RuleTable
from .settings import Settings

__all__ = [
    "OutputPlanError",
    "PlannedFile",
    "Skipped",
    "copy_atomic",
    "decode_source",
    "detect_encoding",
    "encode_source",
    "source_encoding",
    "translate_many",
    "translate_text",
    "iter_other_files",
    "iter_python_files",
    "plan_outputs",
    "read_source",
    "translate_file",
    "translate_path",
    "with_failure",
    "write_atomic",
    "write_if_changed",
]

# Folders never entered when walking a tree (besides every folder whose name starts with ".").
SKIP_DIRS = frozenset({"__pycache__", "venv", "node_modules"})


class OutputPlanError(ValueError):
    """The requested outputs are unsafe (inside the input tree, over an input, ...)."""


@dataclasses.dataclass(frozen=True)
class Skipped:
    """Something a tree walk did not enter or read, and why.

    ``level``: ``"error"`` (a folder that could not be read: the run fails), ``"warning"`` (a
    FIFO, socket or device, or a broken link: never read, always said) or ``"verbose"`` (skipped
    by design, a virtual environment or a link to a folder: said with ``--verbose``).
    """

    path: Path
    reason: str
    level: str


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes; ``OSError`` for anything else (a FIFO would block the run)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"{_kind(mode)}, not a regular file; not read", str(path))
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def read_source(path: Path) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it cannot be read as Python source."""
    try:
        data = read_bytes(Path(path))
    except IsADirectoryError:
        return None, Diagnostic(str(path), 0, 0, codes.READ_ERROR, "is a directory, not a Python file")
    except OSError as exc:
        return None, Diagnostic(str(path), 0, 0, codes.READ_ERROR, f"cannot read: {exc.strerror or exc}")
    return decode_source(data, str(path))


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def detect_encoding(data: bytes) -> tuple[str, bytes]:
    """(encoding, BOM) of Python source bytes: a BOM (UTF-8, UTF-16), else the PEP 263 coding
    cookie of the first two lines, else UTF-8.  ``SyntaxError`` for an unknown cookie."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, bom
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return ("utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding), b""


def source_encoding(path: Path) -> tuple[str, bytes]:
    """:func:`detect_encoding` of a file (UTF-8 when it cannot be read or has no valid cookie),
    the encoding its translation is written in."""
    try:
        with open(path, "rb") as f:
            return detect_encoding(f.read(4096))
    except (OSError, SyntaxError):
        return "utf-8", b""


def encode_source(text: str, encoding: tuple[str, bytes] = ("utf-8", b"")) -> bytes:
    """``text`` as the bytes of a file in ``encoding`` (:func:`detect_encoding`), BOM included;
    ``OSError`` when the text has characters the encoding cannot hold."""
    name, bom = encoding
    try:
        return bom + text.encode(name)
    except UnicodeEncodeError as exc:
        raise OSError(errno.EINVAL, f"the translation has {exc.object[exc.start]!r}, which {name} cannot encode") from None


def decode_source(data: bytes, shown: str) -> tuple[str | None, Diagnostic | None]:
    """Bytes as Python source text (a BOM, a PEP 263 coding cookie, else UTF-8), or why not."""
    try:
        encoding, bom = detect_encoding(data)
    except SyntaxError as exc:
        return None, Diagnostic(shown, 0, 0, codes.ENCODING_ERROR, str(exc.msg if hasattr(exc, "msg") else exc))
    if not encoding.startswith("utf-16") and b"\x00" in data:
        return None, Diagnostic(shown, 0, 0, codes.ENCODING_ERROR, "binary file (contains NUL bytes), not Python source")
    body = data[len(bom):]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        start = exc.start + len(bom)
        line = data[:start].count(b"\n") + 1
        col = start - (data.rfind(b"\n", 0, start) + 1) + 1
        hint = "save the file as UTF-8" if encoding == "utf-8" else "fix the file or its coding declaration"
        shown_name = "UTF-8" if encoding == "utf-8" else encoding
        return None, Diagnostic(
            shown, line, col, codes.ENCODING_ERROR, f"not valid {shown_name} (byte 0x{data[start]:02x}); {hint}"
        )
    return text, None


def translate_file(path: Path, *, table: RuleTable | None = None, settings: Settings | None = None) -> Translation:
    """Read and translate one file; a FAILED result (never an exception) when it cannot be."""
    text, error = read_source(path)
    if error is not None:
        return Translation(str(path), "", "", Status.FAILED, [error])
    assert text is not None
    return translate_text(text, str(path), table=table, settings=settings)


def translate_source(code: str, **kwargs) -> Translation:  # type: ignore[no-untyped-def]
    """``translator.translate.translate_source``, imported on first use: the engine loads
    libcst, which a run answered from the cache never needs."""
    from .translate import translate_source as translate

    return translate(code, **kwargs)


def translate_text(
    text: str, shown: str, *, table: RuleTable | None = None, settings: Settings | None = None
) -> Translation:
    """``translate_source`` that turns even an unexpected engine exception into a FAILED result."""
    collecting = gc.isenabled()
    gc.disable()  # a syntax tree is millions of acyclic objects: the cycle collector only slows us
    try:
        return translate_source(text, path=shown, table=table, settings=settings)
    except RecursionError:
        diag = Diagnostic(shown, 0, 0, codes.TOO_DEEP, "expression nesting too deep to translate")
    except Exception as exc:  # an engine bug must not stop the other files of a tree
        diag = Diagnostic(shown, 0, 0, codes.INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        if collecting:
            gc.enable()
    return Translation(shown, text, text, Status.FAILED, [diag])


def _translate_file_str(path: str, settings: Settings | None) -> Translation:
    return translate_file(Path(path), settings=settings)


def translate_many(  # type: ignore[no-untyped-def]
    paths: list[Path], jobs: int = 1, cache=None, settings: Settings | None = None
) -> Iterator[Translation]:
    """``translate_file`` for each path, in order; with ``jobs > 1`` in worker processes (which
    get ``settings`` as an argument).

    The results (and so everything written from them) are the same for any ``jobs``.  With a
    ``cache`` (``translator.cache.ResultCache``), a file whose result is cached (for these
    ``settings``) is not translated again, and new results are stored.
    """
    cached: dict[int, Translation] = {}
    keys: dict[int, str] = {}
    if cache is not None:
        for i, p in enumerate(paths):
            hit, key = _from_cache(cache, p, settings)
            if hit is not None:
                cached[i] = hit
            elif key is not None:
                keys[i] = key
    todo = [i for i in range(len(paths)) if i not in cached]

    def store(i: int, result: Translation) -> Translation:
        if i in keys:
            cache.put(keys[i], result)
        return result

    if jobs <= 1 or len(todo) < 2:
        for i, p in enumerate(paths):
            yield cached[i] if i in cached else store(i, translate_file(p, settings=settings))
        return
    from concurrent.futures import ProcessPoolExecutor

    from .translate import handlers, pipeline  # noqa: F401  (loaded before the workers fork)
    from .rules import load_table

    load_table()
    if settings is None or settings.format:
        import black  # noqa: F401  (imported once, before the workers fork)
    import gc

    gc.freeze()  # what the workers inherit is left out of their collections
    # largest files first, one file at a time: the workers finish together
    sizes = {i: _size(paths[i]) for i in todo}
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_worker_init, initargs=(os.getpid(),))
    finished = False
    futures: dict = {}
    try:
        futures = {
            i: pool.submit(_translate_file_str, str(paths[i]), settings) for i in sorted(todo, key=lambda i: -sizes[i])
        }
        for i in range(len(paths)):
            yield cached[i] if i in cached else store(i, futures.pop(i).result())
        finished = True
    finally:
        # interrupted (Ctrl-C, a closed pipe): drop the files not started, do not wait for them
        # (cancelled here: the pool's own cancel_futures is lost once the pool is collected)
        for future in futures.values():
            future.cancel()
        if not finished:  # the files already handed to a worker are not waited for either
            _stop_workers(pool)
        pool.shutdown(wait=finished, cancel_futures=True)


def _stop_workers(pool) -> None:  # type: ignore[no-untyped-def]
    """Terminate ``pool``'s worker processes (they ignore Ctrl-C; without this, the interpreter's
    exit waits for the files they are translating and the ones queued for them)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass


def _worker_init(parent: int) -> None:
    """In each worker: die with the parent (``kill -9`` of the run must not leave workers
    translating, PR_SET_PDEATHSIG on Linux, else a thread watching the parent's pid), and leave
    Ctrl-C to the parent (which stops the pool and prints one line)."""
    import signal
    import sys
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _from_cache(cache, path: Path, settings: Settings | None) -> tuple[Translation | None, str | None]:  # type: ignore[no-untyped-def]
    """(cached result, None), or (None, key to store the result under), or (None, None)."""
    try:
        data = read_bytes(path)
    except OSError:
        return None, None
    text, error = decode_source(data, str(path))
    if error is not None or text is None:
        return None, None
    key = cache.key(str(path), data, settings)
    return cache.get(key, str(path), text), key


def with_failure(result: Translation, diag: Diagnostic) -> Translation:
    """``result`` turned FAILED by a later step (writing it), keeping what it had."""
    return dataclasses.replace(
        result, code=result.source, status=Status.FAILED, diagnostics=[*result.diagnostics, diag]
    )


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file stands where a folder is needed
        raise NotADirectoryError(errno.ENOTDIR, f"{exc.filename} is a file, not a directory", str(path)) from None


def write_atomic(path: Path, text: str, encoding: tuple[str, bytes] = ("utf-8", b"")) -> None:
    """Write via a temporary file in the same folder and rename: never a partial file.

    ``encoding`` is (codec, BOM), as :func:`source_encoding` gives for the source.  The new file
    keeps the old one's permission bits; a symbolic link is written through; raises ``OSError``
    (the target is then untouched and no temporary file is left behind).
    """
    path = Path(path)
    data = encode_source(text, encoding)
    _make_parent(path)
    with atomic_open(path, "wb", fsync=True, keep_mode=True) as f:
        f.write(data)


def write_if_changed(path: Path, text: str, encoding: tuple[str, bytes] = ("utf-8", b"")) -> bool:
    """Write ``text`` atomically unless the file already holds exactly it; True if written."""
    try:
        if path.is_file() and path.read_bytes() == encode_source(text, encoding):
            return False
    except OSError:
        pass
    write_atomic(path, text, encoding)
    return True


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` via a temporary file and a rename, like :func:`write_atomic`."""
    _make_parent(dst)
    with atomic_open(dst, "wb") as out, open(src, "rb") as f:
        shutil.copyfileobj(f, out)
    shutil.copystat(src, dst)


def _walk(
    root: Path, skipped: list[Skipped] | None = None, want: Callable[[str], bool] = lambda name: True,
    path_filter: PathFilter | None = None,
) -> Iterator[Path]:
    """Every regular file under ``root``, in a stable order, skipping hidden and tool folders,
    links to folders (not followed), what ``path_filter`` excludes (``.gitignore``, ``exclude``)
    and what is not a regular file; each skip (but ``__pycache__``) and each folder that cannot
    be read is added to ``skipped``."""

    def note(path: Path, reason: str, level: str) -> None:
        if skipped is not None:
            skipped.append(Skipped(path, reason, level))

    def unreadable(exc: OSError) -> None:
        note(Path(exc.filename or root), f"cannot read the directory: {exc.strerror or exc}", "error")

    if path_filter is not None:
        path_filter.enter_root(root)
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        if path_filter is not None:
            path_filter.enter(Path(dirpath))
        keep = []
        for d in sorted(dirnames):
            full = Path(dirpath) / d
            if d == "__pycache__":
                continue
            if path_filter is not None and (origin := path_filter.excluded(full, True)) is not None:
                note(full, f"excluded by {origin}", "verbose")
                continue
            if d in SKIP_DIRS or d.startswith("."):
                env = d in ("venv", ".venv", "node_modules") or (full / "pyvenv.cfg").exists()
                note(full, "a virtual environment or tool folder" if env else "a hidden folder", "verbose")
            elif os.path.islink(full):
                note(full, "a symbolic link to a directory (not followed)", "verbose")
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not want(name):
                continue
            full = Path(dirpath) / name
            if path_filter is not None and (origin := path_filter.excluded(full, False)) is not None:
                note(full, f"excluded by {origin}", "verbose")
                continue
            try:
                mode = os.stat(full).st_mode
            except OSError as exc:
                note(full, f"cannot read: {exc.strerror or exc}", "warning")  # a broken link
                continue
            if not stat.S_ISREG(mode):
                note(full, f"{_kind(mode)}, not a regular file; not read", "warning")
                continue
            yield full


def iter_python_files(
    root: Path, skipped: list[Skipped] | None = None, path_filter: PathFilter | None = None
) -> list[Path]:
    """``root`` itself when it is a file, else the ``.py`` files of its tree in a stable order
    (what was skipped, and why, is added to ``skipped``)."""
    root = Path(root)
    if not root.is_dir():
        return [root]
    return list(_walk(root, skipped, lambda name: name.endswith(".py"), path_filter))


def iter_other_files(
    root: Path, skipped: list[Skipped] | None = None, path_filter: PathFilter | None = None
) -> list[Path]:
    """The files of a tree that are not ``.py`` files (copied with ``--copy-other``)."""
    root = Path(root)
    if not root.is_dir():
        return []
    return list(_walk(root, skipped, lambda name: not name.endswith((".py", ".pyc", ".pyo")), path_filter))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@dataclasses.dataclass(frozen=True)
class PlannedFile:
    src: Path
    target: Path | None  # None: nothing is written (stdout, --check, --diff)
    copy: bool = False  # a non-Python file copied as it is (``--copy-other``)


def plan_outputs(
    srcs: list[Path],
    out: Path | None,
    *,
    out_is_dir: bool = False,
    include_other: bool = False,
    skipped: list[Skipped] | None = None,
    path_filter: PathFilter | None = None,
) -> list[PlannedFile]:
    """What to translate (and, with ``include_other``, to copy) and where to write it.

    ``out=None`` plans no outputs.  A directory input is mirrored into ``out`` (into
    ``out/<name>`` when there are several inputs); a file input goes to ``out`` itself, or into
    it when ``out`` is (or must be) a directory.  Raises :class:`OutputPlanError` when an output
    would land inside an input tree or on an input file, or two inputs on one output.  What the
    walk skipped is added to ``skipped`` (:class:`Skipped`).
    """
    several = len(srcs) > 1
    plan: list[PlannedFile] = []
    for src in srcs:
        seen_skips: list[Skipped] = []
        files = [(f, False) for f in iter_python_files(src, seen_skips, path_filter)]
        if include_other:
            other_skips: list[Skipped] = []
            files += [(f, True) for f in iter_other_files(src, other_skips, path_filter)]
            seen_skips += [s for s in other_skips if s.level == "warning"]  # folders: said above
        if skipped is not None:
            skipped.extend(seen_skips)
        for f, copy in files:
            if out is None:
                target = None
            elif src.is_dir():
                target = (out / src.name if several else out) / f.relative_to(src)
            elif several or out_is_dir or out.is_dir():
                target = out / f.name
            else:
                target = out
            plan.append(PlannedFile(f, target, copy))
    if out is not None:
        resolved_out = out.resolve()
        for src in srcs:
            if src.is_dir() and _inside(resolved_out, src.resolve()):
                raise OutputPlanError(f"{out}: output directory is inside the input tree {src}")
        inputs = {p.src.resolve() for p in plan}
        seen: dict[Path, Path] = {}
        for p in plan:
            assert p.target is not None
            rt = p.target.resolve()
            if rt in inputs:
                raise OutputPlanError(f"{p.target}: output would overwrite the input {p.src}; use --in-place")
            if rt in seen:
                raise OutputPlanError(f"{p.target}: both {seen[rt]} and {p.src} would be written there")
            seen[rt] = p.src
    return plan


def translate_path(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    *,
    copy_other: bool = False,
    settings: Settings | None = None,
) -> list[Translation]:
    """Translate a file or a tree into ``dst`` (mirroring the tree); returns one result per file.

    Failed files are reported in their result (status FAILED, a diagnostic saying why) and
    nothing is written for them; the others are written atomically, only when their content
    changes.  A file that cannot be written becomes a FAILED result too.  With ``dst=None``
    nothing is written.  Raises ``FileNotFoundError`` for a missing ``src`` and
    :class:`OutputPlanError` (a ``ValueError``) when ``dst`` is inside the ``src`` tree.
    ``settings`` (``translator.settings.Settings``) configures the translation.
    """
    src_path = Path(src)
    if not src_path.exists():
        raise FileNotFoundError(f"{src_path}: no such file or directory")
    plan = plan_outputs([src_path], Path(dst) if dst is not None else None, include_other=copy_other)
    if src_path.is_dir():
        from .packages import tree_root_of

        settings = dataclasses.replace(settings or Settings(), tree_root=tree_root_of([src_path]))
    for item in plan:
        if item.copy:
            assert item.target is not None
            copy_atomic(item.src, item.target)
    plan = [item for item in plan if not item.copy]
    translated = [translate_file(item.src, settings=settings) for item in plan]
    if dst is not None and src_path.is_dir():
        # as the command line does: the tree's support code in one module at the output root
        from .shared_support import MODULE, share_tree

        shared, module = share_tree(translated, [item.target for item in plan], src_path, Path(dst),
                                     settings.line_length if settings is not None else 88)
        try:
            if module is not None:
                Path(dst).mkdir(parents=True, exist_ok=True)
                write_if_changed(Path(dst) / f"{MODULE}.py", module)
            translated = shared
        except OSError:
            pass  # the files keep their support code inline
    results = []
    for item, result in zip(plan, translated):
        if item.target is not None and result.status is not Status.FAILED:
            try:
                write_if_changed(item.target, result.code, source_encoding(item.src))
            except OSError as exc:
                reason = exc.strerror or str(exc)
                result = with_failure(result, Diagnostic(str(item.target), 0, 0, codes.WRITE_ERROR, f"cannot write: {reason}"))
        results.append(result)
    return results
