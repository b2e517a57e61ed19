"""Faults that used to pass silently or fail late: each now stops with one line naming what is wrong.

docs/faults.md lists every fault case with the test that holds it; the last test here checks
that list against the test files.
"""

import json

import pytest

from encode_server import encode_server  # noqa: F401 (fixture)
from seqattr import encode


def _experiment_path(site, target):
    """The URL path of the first ENCODE experiment the fake site lists for ``target``."""
    graph = json.loads((site.root / "search" / f"{target}.json").read_text())["@graph"]
    return f"/experiments/{graph[0]['accession']}/"


def test_transient_error_on_encode_metadata_is_retried(encode_server):
    path = _experiment_path(encode_server, "SRF")
    request = {**encode_server.source_config(retries=2), "targets": ["SRF"], "pinned": {}}
    encode_server.faults[path] = ["error"]
    table = encode.resolve(request)
    assert table.set_index("target").loc["SRF", "accession"] == encode_server.chosen["SRF"]
    assert sum(r.startswith(path) for r in encode_server.requests) == 2
    encode_server.faults[path] = ["error", "error"]
    with pytest.raises(encode.EncodeError) as error:
        encode.resolve(request)
    assert path in str(error.value) and "HTTP 500" in str(error.value) and "\n" not in str(error.value)
