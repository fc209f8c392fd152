"""What a function's ``source`` folder may hold: checked the same way by ``drgen validate`` and by the render.

A source is a folder that resolves inside the blueprint's folder (or inside the source root the caller names,
e.g. ``--source-root``); it is packaged as its regular files. drgen refuses, rather than follows, every symbolic
link in it (whether it points inside or out), and refuses devices, pipes and sockets, unreadable files and a
folder whose files exceed Lambda's unzipped quota. The walk never follows a link: every folder and file is
opened relative to its parent's descriptor without following links (``os.fwalk``, ``O_NOFOLLOW``), so a link
swapped in while drgen reads cannot lead it out either.

Each refusal is a ``SourceError`` with the diagnostic code validate reports; the render raises it as a
``RenderError``. Messages name paths relative to the source, never absolute ones.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from drgen import awsdata

SKIPPED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".git"})
"""Caches and version control: never packaged (as a folder or a file of that name)."""
SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})
UNZIPPED_MAX_BYTES = awsdata.LAMBDA_UNZIPPED_MAX_BYTES
"""The limit checked; a module constant so that tests can lower it instead of writing 250 MB."""


class SourceError(Exception):
    """A source drgen will not package; ``code`` is the diagnostic code validate reports for it."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, order=True)
class SourceFile:
    path: str
    """Relative to the source folder, with ``/``."""
    size: int


def locate(source: str, base_dir: str | os.PathLike[str], source_root: str | os.PathLike[str] | None = None) -> Path:
    """The real folder ``source`` names, relative to ``base_dir``; it must lie inside ``source_root``
    (default: ``base_dir``), also after every link in its path is resolved."""
    where = "the source root" if source_root is not None else "the blueprint's folder"
    if PurePosixPath(source).is_absolute() or PureWindowsPath(source).drive:
        raise SourceError("E309", f"the source folder '{source}' is an absolute path: give it relative to the "
                                  f"blueprint, inside {where}")
    root = Path(os.path.realpath(source_root if source_root is not None else base_dir))
    base = Path(os.path.realpath(base_dir))
    lexical = Path(os.path.normpath(base / source))
    if not lexical.is_relative_to(root):
        how = f"climbs out of {where} with '..'" if ".." in PurePosixPath(source).parts else f"lies outside {where}"
        raise SourceError("E309", f"the source folder '{source}' {how}: a function's source must lie inside it")
    try:
        real = Path(os.path.realpath(base / source, strict=True))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SourceError("E309", f"the source folder '{source}' goes round a loop of symbolic links") from error
        raise SourceError("E305", f"the source folder '{source}' does not exist beside the blueprint") from error
    if not real.is_relative_to(root):
        raise SourceError("E309", f"the source folder '{source}' leads out of {where} through a symbolic link: "
                                  f"a function's source must lie inside it")
    if not real.is_dir():
        raise SourceError("E305", f"the source '{source}' is not a folder")
    return real


def listing(folder: Path) -> list[SourceFile]:
    """The files drgen would package from ``folder``, sorted; raises ``SourceError`` for what it refuses."""
    files = sorted(SourceFile(path, size) for path, size, _ in _walk(folder, read=False))
    _within_quota(sum(f.size for f in files), sorted(files, key=lambda f: (-f.size, f.path))[:3])
    return files


def contents(folder: Path) -> list[tuple[str, bytes]]:
    """The files of ``folder`` as ``(relative path, bytes)``, sorted: what goes into the zip."""
    listing(folder)  # refuses what validate refuses, before reading a byte
    found = sorted((path, data) for path, _, data in _walk(folder, read=True) if data is not None)
    _within_quota(sum(len(data) for _, data in found), [])  # the files may have grown while drgen read them
    return found


def _within_quota(total: int, largest: list[SourceFile]) -> None:
    if total <= UNZIPPED_MAX_BYTES:
        return
    named = f"; the largest: {', '.join(f'{f.path} ({f.size:,} bytes)' for f in largest)}" if largest else ""
    raise SourceError("E406", f"the source's files take {total:,} bytes unzipped; Lambda allows "
                              f"{UNZIPPED_MAX_BYTES:,}{named}")


def _raise(error: OSError) -> None:
    raise error


def _walk(folder: Path, read: bool) -> Iterator[tuple[str, int, bytes | None]]:
    try:
        top = os.lstat(folder)
    except OSError as error:
        raise SourceError("E305", f"the source folder cannot be read ({error.strerror})") from error
    if stat.S_ISLNK(top.st_mode) or not stat.S_ISDIR(top.st_mode):
        raise SourceError("E310", "the source folder is itself a symbolic link or not a folder")
    try:
        for dirpath, dirnames, filenames, dirfd in os.fwalk(folder, follow_symlinks=False, onerror=_raise):
            relative = Path(dirpath).relative_to(folder)
            for name in sorted(dirnames + filenames):
                if name in SKIPPED_NAMES:
                    continue
                path = (relative / name).as_posix()
                mode = os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    target = os.readlink(name, dir_fd=dirfd)
                    raise SourceError("E310", f"'{path}' is a symbolic link (to {target}): drgen packages no links, "
                                              "so none can lead out of the source; put the file itself there")
                if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
                    raise SourceError("E310", f"'{path}' is not a regular file (a device, pipe or socket): remove it")
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_NAMES)
            for name in sorted(filenames):
                if name in SKIPPED_NAMES or os.path.splitext(name)[1] in SKIPPED_SUFFIXES:
                    continue
                yield _file((relative / name).as_posix(), name, dirfd, read)
    except OSError as error:
        raise SourceError("E310", f"part of the source{_named(error, folder)} cannot be read ({error.strerror})") \
            from error


def _named(error: OSError, folder: Path) -> str:
    name = error.filename if isinstance(error.filename, str) else None
    if name is None:
        return ""
    if Path(name).is_absolute():
        return f" '{Path(name).relative_to(folder).as_posix()}'" if Path(name).is_relative_to(folder) else ""
    return f" '{name}'"


def _file(path: str, name: str, dirfd: int, read: bool) -> tuple[str, int, bytes | None]:
    """Open the file without following a link (validate too: what validate accepts, the render can read)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dirfd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SourceError("E310", f"'{path}' became a symbolic link while drgen read the source") from error
        raise SourceError("E310", f"'{path}' cannot be read ({error.strerror})") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("E310", f"'{path}' is not a regular file")
        if not read:
            return path, info.st_size, None
        data = handle.read()
    return path, len(data), data
