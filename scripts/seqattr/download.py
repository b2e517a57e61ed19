"""Download one file with retries and md5 verification, never leaving a partial file behind.

Each attempt streams into a temporary sibling of the destination (``seqattr.data.atomic_path``)
while hashing it; only a complete file whose md5 matches is moved onto the destination with
``os.replace``. A failed attempt is retried; after the last one the temporary file is removed
and a ``DownloadError`` names the file (the ENCODE accession) and the last reason.
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

from seqattr.data import atomic_path

log = logging.getLogger("seqattr")

CHUNK = 1 << 20
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

    Up to ``retries`` attempts, ``backoff × attempt`` seconds apart. Client errors (HTTP 4xx)
    are not retried: asking again will not make a missing file appear.
    """
    if retries < 1:
        raise ValueError(f"retries must be at least 1, got {retries}")
    label = label or url
    dest = Path(dest)
    partial = atomic_path(dest)
    reason = "no attempt made"
    try:
        for attempt in range(1, retries + 1):
            try:
                digest = _fetch_once(url, partial, timeout)
            except urllib.error.HTTPError as error:
                if 400 <= error.code < 500 and error.code != 429:
                    raise DownloadError(f"{label}: {url} answered HTTP {error.code} {error.reason}") from error
                reason = f"HTTP {error.code} {error.reason}"
            except TRANSIENT as error:
                reason = f"{type(error).__name__}: {error}"
            else:
                if md5 is None or digest == md5.lower():
                    os.replace(partial, dest)
                    log.info("%s: downloaded %s to %s (md5 %s)", label, url, dest, digest)
                    return digest
                reason = f"md5 mismatch: got {digest}, expected {md5}"
            log.warning("%s: attempt %d/%d failed: %s", label, attempt, retries, reason)
            if attempt < retries:
                time.sleep(backoff * attempt)
    finally:
        partial.unlink(missing_ok=True)
    raise DownloadError(f"{label}: download of {url} failed after {retries} attempts; last error: {reason}")
