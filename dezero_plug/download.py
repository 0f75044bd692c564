"""Downloads for datasets and pretrained weights: cached, verified, written atomically.

The cache directory is ``$DEZERO_PLUG_CACHE_DIR``, else ``~/.dezero`` (DeZero's).
A download goes to a temporary file beside its target and is renamed into
place only once complete and verified: a dropped connection, a checksum
mismatch or Ctrl-C leaves no partial file (a SIGKILL leaves a temporary file
that the next download or save in that directory removes: see ``atomic``).

Verification: a file with a published checksum is checked against it, on
download and on every later read. A file without one (Shakespeare's text,
the ImageNet labels, pretrained weights) is trusted on first use: the size and
SHA-256 of its first complete download are recorded beside it
(``.<name>.trust.json``) and every later read is checked against them, so a
file changed or cut short in the cache afterwards is reported. A transfer
cut short is caught by its Content-Length or its chunked encoding; a server
that sends neither and closes early cannot be told from a complete one —
what a published checksum is for.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from dezero_plug.atomic import atomic_write

CACHE_ENV = "DEZERO_PLUG_CACHE_DIR"
CHUNK = 1 << 16


def cache_dir() -> str:
    """Where downloads are kept: ``$DEZERO_PLUG_CACHE_DIR`` or ``~/.dezero``."""
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".dezero")


def ready_cache_dir() -> str:
    """``cache_dir()``, made if missing; a NotADirectoryError names it when a file or a broken link is in its place."""
    folder = cache_dir()
    if os.path.lexists(folder) and not os.path.isdir(folder):
        what = "a broken link" if os.path.islink(folder) and not os.path.exists(folder) else "not a directory"
        raise NotADirectoryError(
            f"the cache directory {folder} (${CACHE_ENV}, else ~/.dezero) is {what}: remove it, or point "
            f"{CACHE_ENV} at a directory"
        )
    os.makedirs(folder, exist_ok=True)
    return folder


class DownloadError(OSError):
    """A file could not be downloaded or failed its checksum; the message says where to put it by hand."""


def _progress(total: int, name: str) -> object:
    try:
        from tqdm import tqdm

        return tqdm(total=total or None, unit="B", unit_scale=True, desc=name, leave=False)
    except ImportError:
        return _TextBar(total, name)


class _TextBar:
    """A plain progress bar on stderr when tqdm is not installed."""

    def __init__(self, total: int, name: str) -> None:
        self.total, self.name, self.done = total, name, 0

    def update(self, n: int) -> None:
        self.done += n
        if self.total:
            filled = int(30 * self.done / self.total)
            sys.stderr.write(
                f"\r{self.name} [{'#' * filled}{'.' * (30 - filled)}] {100 * self.done / self.total:5.1f}%"
            )

    def close(self) -> None:
        sys.stderr.write("\n" if self.total else "")


def _digest(checksum: str | None) -> tuple[str, str] | None:
    if checksum is None:
        return None
    algorithm, _, expected = checksum.partition(":")
    if algorithm not in ("md5", "sha1", "sha256") or not expected:
        raise ValueError(f"get_file: checksum must be 'sha256:<hex>' or 'md5:<hex>'; got {checksum!r}")
    return algorithm, expected.lower()


def file_checksum(path: str, algorithm: str = "sha256") -> str:
    """The hex digest of a file."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def get_file(url: str | Sequence[str], file_name: str | None = None, checksum: str | None = None) -> str:
    """The path of ``url``'s file in the cache, downloading it first if needed (DeZero's ``utils.get_file``).

    Args:
        url: the address, or several mirrors tried in order.
        file_name: the name in the cache (default: the URL's last part).
        checksum: ``"sha256:<hex>"`` or ``"md5:<hex>"``; a cached or downloaded file must match it.

    Raises:
        DownloadError: when no mirror could be reached, the transfer broke, or the checksum differs;
            the message names the file and where to place it by hand.
    """
    urls = [url] if isinstance(url, str) else list(url)
    if not urls:
        raise ValueError("get_file: no URL given")
    if file_name is None:
        file_name = urls[0].rsplit("/", 1)[-1]
        if not file_name:
            raise ValueError(
                f"get_file: the URL {urls[0]!r} ends with '/': it names a directory, not a file; "
                "give the file's URL, or file_name= for the name to cache it under"
            )
    if os.path.basename(file_name) != file_name or file_name in (".", ".."):
        raise ValueError(f"get_file: file_name must be a plain file name, not a path; got {file_name!r}")
    path = os.path.join(ready_cache_dir(), file_name)
    digest = _digest(checksum)
    if os.path.exists(path):
        if digest and file_checksum(path, digest[0]) != digest[1]:
            raise DownloadError(
                f"{path} is in the cache but fails its {digest[0]} checksum: delete it to download it again"
            )
        if not digest:
            _check_trusted(path)
        return path
    errors = []
    for address in urls:
        try:
            _download(address, path, digest)
            if not digest:
                _trust(path, address)
            return path
        except DownloadError as exc:  # a checksum mismatch: the next mirror may serve the right file
            errors.append(f"{address}: {exc}")
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            errors.append(f"{address}: {getattr(exc, 'reason', exc)}")
    raise DownloadError(
        f"could not download {file_name} ({'; '.join(errors)}). Without network, download it on another "
        f"machine from {urls[0]} and place it at {path}"
    )


def _trust_path(path: str) -> str:
    directory, name = os.path.split(path)
    return os.path.join(directory, f".{name}.trust.json")


def _trust(path: str, url: str) -> None:
    """Record the size and SHA-256 of a file with no published checksum (trust on first use)."""
    record = {"size": os.path.getsize(path), "sha256": file_checksum(path), "url": url}
    with atomic_write(_trust_path(path)) as f:
        f.write(json.dumps(record, indent=1).encode())


def _check_trusted(path: str) -> None:
    """Check a cached file against its first-use record (made now if there is none)."""
    try:
        with open(_trust_path(path), encoding="utf-8") as f:
            record = json.load(f)
        size, sha256 = int(record["size"]), str(record["sha256"])
    except FileNotFoundError:  # placed by hand, or cached before records were kept: trusted from now on
        _trust(path, "(found in the cache)")
        return
    except (ValueError, KeyError, TypeError) as exc:
        raise DownloadError(
            f"the record {_trust_path(path)} of {path} is unreadable ({exc}): delete both to download it again"
        ) from exc
    now_size = os.path.getsize(path)
    now_sha256 = file_checksum(path) if now_size == size else "(not computed)"
    if now_size != size or now_sha256 != sha256:
        raise DownloadError(
            f"{path} changed since its first download: it had {size} bytes, SHA-256 {sha256}; it has "
            f"{now_size} bytes, SHA-256 {now_sha256}. Delete it and {os.path.basename(_trust_path(path))} "
            "to download it again"
        )


def _download(url: str, path: str, digest: tuple[str, str] | None) -> None:
    h = hashlib.new(digest[0]) if digest else None
    with atomic_write(path, suffix=".part") as out, urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0)
        bar = _progress(total, os.path.basename(path))
        received = 0
        try:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                received += len(chunk)
                if h is not None:
                    h.update(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()
        if total and received != total:
            raise ConnectionError(f"the connection dropped after {received} of {total} bytes")
        if h is not None and h.hexdigest() != digest[1]:
            raise DownloadError(
                f"{url} downloaded, but its {digest[0]} is {h.hexdigest()}, not the published {digest[1]}: "
                "the file was not kept"
            )
