"""Deterministic Lambda packages: the same sources give the same zip bytes on any machine.

Entries are sorted, timestamps fixed (1980-01-01, the zip epoch), modes fixed (0644 files), no
directory entries, no ``__pycache__``; the S3 key is derived from the content's sha256, so an unchanged
function is never uploaded twice and a changed one always gets a new key. The files are read by
``drgen.sources``, which follows no symbolic link and refuses what ``drgen validate`` refuses.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from drgen import sources
from drgen.errors import RenderError

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644


@dataclass(frozen=True)
class Package:
    name: str
    """The function's blueprint name (or drgen's own function name)."""
    data: bytes
    sha256: str

    @property
    def key(self) -> str:
        """The content-addressed S3 key in each region's artifact bucket."""
        return f"functions/{self.name}/{self.sha256}.zip"

    @property
    def file(self) -> str:
        """The path of the zip in a render."""
        return f"functions/{self.name}.zip"


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # unix, so the mode is read back everywhere
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def package(name: str, source: Path) -> Package:
    """Package the folder ``source`` as function ``name``; raises ``RenderError`` for a source drgen refuses
    (a symbolic link or special file in it, or more than Lambda's unzipped quota)."""
    try:
        files = sources.contents(source)
    except sources.SourceError as error:
        raise RenderError(f"function {name}: {error.message} ({error.code})") from error
    data = zip_bytes(files)
    return Package(name, data, hashlib.sha256(data).hexdigest())
