"""A static file server on 127.0.0.1 for tests, standing in for any download (GitHub, ENCODE, UCSC).

``with FileSite(directory) as site:`` serves the directory's files at ``site.url``; requests
are recorded in ``site.requests``, and ``site.faults[url_path]`` queues "corrupt" (last 8 bytes
flipped), "truncate" (half the announced body) or "error" (HTTP 500) answers for the next
requests of that path. A missing file is a 404.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FileSite:
    root: Path
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def resolve_path(self, path: str, query: dict[str, str]) -> Path | None:
        """The file answering a request, or None (404): files inside the root only."""
        parts = [p for p in urllib.parse.unquote(path).split("/") if p]
        candidate = self.root / Path(*parts) if parts else self.root
        inside = candidate.resolve().is_relative_to(self.root.resolve())
        return candidate if inside and candidate.is_file() else None

    def __enter__(self):
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parsed = urllib.parse.urlsplit(self.path)
                site.requests.append(self.path)
                fault = site.faults.get(parsed.path, [None]).pop(0) if site.faults.get(parsed.path) else None
                target = site.resolve_path(parsed.path, dict(urllib.parse.parse_qsl(parsed.query)))
                if fault == "error" or target is None:
                    code, body = (500, b"server error") if fault == "error" else (404, b'{"@graph": []}')
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = target.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if fault == "corrupt":
                    body = body[:-8] + bytes(b ^ 0xFF for b in body[-8:])
                elif fault == "truncate":
                    body = body[: len(body) // 2]
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
