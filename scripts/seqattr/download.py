"""Download one file with retries and md5 verification, never leaving a partial file behind.

Each attempt streams into a temporary sibling of the destination (``seqattr.data.atomic_write``)
while hashing it; only a complete file whose md5 matches is moved onto the destination with
``os.replace``. A failed attempt is retried; after the last one the temporary file is removed
and a ``DownloadError`` names the file (the ENCODE accession) and the last reason. ``retry`` is
the attempt loop, shared with the ENCODE metadata requests (``seqattr.encode.get_json``).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, TypeVar

from seqattr.data import atomic_write

log = logging.getLogger("seqattr")

CHUNK = 1 << 20
T = TypeVar("T")
# Failures worth another attempt: broken connections, short bodies, server-side errors.
TRANSIENT = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


class DownloadError(RuntimeError):
    """A file could not be fetched whole with the expected checksum."""


def md5sum(path: str | os.PathLike) -> str:
    """Hex md5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch_once(url: str, partial: Path, timeout: float) -> str:
    """Stream ``url`` into ``partial`` and return its md5; a body shorter than announced raises.

    (``http.client`` returns a short body without complaint when the server closes early.)
    """
    digest = hashlib.md5()
    received = 0
    with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
        announced = response.headers.get("Content-Length")
        while chunk := response.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            received += len(chunk)
    if announced is not None and received != int(announced):
        raise ConnectionError(f"the body ended after {received} of {announced} bytes")
    return digest.hexdigest()


class Transient(Exception):
    """A failure worth another attempt that is not a network error (a whole body with the wrong md5)."""


class AttemptsFailed(Exception):
    """Every attempt failed, or one failed for good; ``reason`` says how the last one did."""

    def __init__(self, reason: str, attempts: int):
        super().__init__(reason)
        self.reason, self.attempts = reason, attempts


def _permanent(error: Exception) -> bool:
    """Client errors (HTTP 4xx but 429): asking again will not make a missing file appear."""
    return isinstance(error, urllib.error.HTTPError) and 400 <= error.code < 500 and error.code != 429


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}" + (" (a client error: not retried)" if _permanent(error) else "")
    return str(error) if isinstance(error, Transient) else f"{type(error).__name__}: {error}"


def retry(attempt: Callable[[], T], retries: int, label: str, backoff: float = 2.0) -> T:
    """The result of ``attempt()``, called up to ``retries`` times, ``backoff × n`` seconds after the n-th failure.

    Network errors, HTTP 5xx / 429 and ``Transient`` are retried; other errors propagate. Raises
    AttemptsFailed after a client error or the last failed attempt. Every failure is logged.
    """
    if retries < 1:
        raise ValueError(f"retries must be at least 1, got {retries}")
    for n in range(1, retries + 1):
        try:
            return attempt()
        except (*TRANSIENT, Transient) as error:
            reason = _describe(error)
            log.warning("%s: attempt %d/%d failed: %s", label, n, retries, reason)
            if _permanent(error) or n == retries:
                raise AttemptsFailed(reason, n) from error
        time.sleep(backoff * n)


def _attempts(n: int) -> str:
    return f"{n} attempt" + ("" if n == 1 else "s")


def download(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    retries: int = 3,
    label: str | None = None,
    timeout: float = 60,
    backoff: float = 2.0,
) -> str:
    """Fetch ``url`` to ``dest`` (verifying ``md5`` when given) and return the file's md5.

    Up to ``retries`` attempts (``retry``); a client error (HTTP 4xx) is not retried.
    """
    label = label or url
    dest = Path(dest)
    try:
        with atomic_write(dest) as partial:

            def attempt() -> str:
                digest = _fetch_once(url, partial, timeout)
                if md5 is not None and digest != md5.lower():
                    raise Transient(f"md5 mismatch: got {digest}, expected {md5}")
                return digest

            digest = retry(attempt, retries, label, backoff)
    except AttemptsFailed as failure:
        raise DownloadError(
            f"{label}: download of {url} failed after {_attempts(failure.attempts)}; last error: {failure.reason}"
        ) from failure
    log.info("%s: downloaded %s to %s (md5 %s)", label, url, dest, digest)
    return digest
