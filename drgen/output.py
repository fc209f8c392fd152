"""Writing a render to disk: all of it or nothing, and never over what drgen did not write.

A render directory carries its ``manifest.json``, which lists every file drgen wrote with its sha256. drgen
replaces a directory only when it is such a render and holds no file its manifest does not list as written (or,
with ``force``, when it is a render whose files were changed or added to since), or when it is empty. It never
replaces a file, a link, a directory it did not write, the blueprint's own directory, the current directory or
any of their ancestors (see docs/cli.md, "What -o may replace").

Files go to a fresh staging folder beside the target; when every file is written the staging folder and the
target are exchanged in one atomic rename (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames), so at
every moment the target is the previous render or the new one. SIGINT and SIGTERM are held back while the
staging folder exists and delivered once it is gone, so no staging folder survives an interrupt; one left by a
killed process (its pid is in the name) is removed by the next write beside it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drgen.errors import UsageError

if TYPE_CHECKING:
    from drgen.rendering import Rendered

MANIFEST = "manifest.json"
_STAGING = ".drgen-"
"""Staging folders are named ``.<target>.drgen-<pid>-<random>``."""


def write_atomically(rendered: Rendered, target: Path, *, force: bool = False) -> Path:
    """Write ``rendered.files`` to ``target`` (see the module's docstring); raises ``UsageError`` when refused."""
    guarded = [(Path(rendered.blueprint.base_dir), "the blueprint's directory"), (Path.cwd(), "the current directory")]
    target = check_target(target, guarded, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _signals_held():
        _remove_abandoned(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}{os.getpid()}-", dir=target.parent))
        try:
            staging.chmod(0o755)
            for relative, data in rendered.files.items():
                path = staging / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            if target.exists():
                _exchange(staging, target)  # staging now holds the previous render
            else:
                staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def check_target(target: Path, guarded: Iterable[tuple[Path, str]], *, force: bool = False) -> Path:
    """``target`` made absolute, or ``UsageError`` saying why drgen may not replace it."""
    if str(target) == "":
        raise UsageError("the output directory is empty: name a directory for the render, e.g. -o out")
    absolute = Path(os.path.abspath(target))
    if target.is_symlink():
        raise UsageError(f"{target} is a symbolic link: drgen replaces only a directory it rendered; "
                         f"give the link's target, or another directory")
    guarded = list(guarded)
    for path, what in guarded:
        path = Path(os.path.abspath(path))
        if absolute == path or absolute in path.parents:
            raise UsageError(f"{target} is or contains {what} ({path}), which drgen must not replace: render into "
                             "a directory of its own, e.g. -o out")
    resolved = absolute.resolve()
    if resolved != absolute:  # a symbolic link on the way: judge where it really leads
        return check_target(resolved, guarded, force=force)
    if not absolute.exists():
        return absolute
    if not absolute.is_dir():
        raise UsageError(f"{target} exists and is not a directory: drgen will not replace it")
    if not any(absolute.iterdir()):
        return absolute
    changed = render_changes(absolute)
    if changed is None:
        raise UsageError(f"{target} is not a drgen render (it has no drgen {MANIFEST}): drgen replaces only a "
                         "directory it rendered; choose a new or empty directory")
    if changed and not force:
        listed = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise UsageError(f"{target} is a drgen render, but changed since: {listed}; pass --force to replace it "
                         "anyway (what changed is lost)")
    return absolute


def render_changes(directory: Path) -> list[str] | None:
    """The files in ``directory`` its manifest does not list as written (sorted relative paths: added, edited,
    or links), or None when it is no render. A listed file that is gone loses nothing, so it is no change."""
    manifest = _read_manifest(directory / MANIFEST)
    if manifest is None:
        return None
    listed = {entry["path"]: entry["sha256"] for entry in manifest["artifacts"]}
    changed = []
    for path in sorted(_files(directory)):
        relative = path.relative_to(directory).as_posix()
        if relative == MANIFEST:
            continue
        expected = listed.get(relative)
        if expected is None or path.is_symlink() or _sha256(path) != expected:
            changed.append(relative)
    return changed


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 50_000_000:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "drgen_version" not in data or not isinstance(data.get("artifacts"), list):
        return None
    if not all(isinstance(a, dict) and isinstance(a.get("path"), str) and isinstance(a.get("sha256"), str)
               for a in data["artifacts"]):
        return None
    return data


def _files(directory: Path) -> Iterator[Path]:
    """Every file under ``directory``, and every link (links to folders are not followed)."""
    for root, dirs, files in os.walk(directory):
        for name in files + [d for d in dirs if Path(root, d).is_symlink()]:
            yield Path(root, name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_abandoned(target: Path) -> None:
    """Remove staging folders beside ``target`` left by drgen processes that no longer run."""
    prefix = f".{target.name}{_STAGING}"
    for path in target.parent.iterdir():
        if not path.name.startswith(prefix):
            continue
        pid = path.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and path.is_dir() and not path.is_symlink() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, and belongs to someone else
    return True


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically where the system can (Linux); otherwise with two renames."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(b))
    parked = a / "previous"  # ``a`` is the full staging folder: park the old render inside it after the swap
    b.rename(a.with_name(a.name + "-previous"))
    try:
        a.rename(b)
    except OSError:
        a.with_name(a.name + "-previous").rename(b)  # put the previous render back
        raise
    a.mkdir()
    a.with_name(a.name + "-previous").rename(parked)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the block (they are delivered when it ends), where the system can."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
