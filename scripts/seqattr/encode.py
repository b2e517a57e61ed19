"""ENCODE REST metadata → the peak file used for each TF, recorded in a lock table.

How a file is chosen (one approach, experiment-based):

1. The DNase-seq negative pool is resolved by accession (``/files/<ACC>/?format=json``); its
   assembly is the assembly of the whole source.
2. For each TF not pinned in config: search released TF ChIP-seq experiments of the cell
   line and target (``/search/?type=Experiment&assay_title=TF+ChIP-seq&…``), read each
   experiment's JSON and pool its files.
3. Keep released ``bed narrowPeak`` files of that assembly whose ``output_type`` is in the
   preference list; take the most preferred type, ties going to the newest
   ``date_created`` (then the larger accession), and log the choice and the alternatives.

A TF pinned in config (target → accession) skips the search; its file must still be of the
source's assembly. The lock table (``resources/encode/<source>.tsv``) has one row per file —
the DNase pool under the target name ``DNase`` — with columns ``LOCK_COLUMNS``.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Mapping, Sequence

import pandas as pd

from seqattr.data import write_tsv
from seqattr.download import AttemptsFailed, Transient, retry

log = logging.getLogger("seqattr")

DEFAULT_URL = "https://www.encodeproject.org"
OUTPUT_TYPES = (
    "conservative IDR thresholded peaks",
    "optimal IDR thresholded peaks",
    "IDR thresholded peaks",
    "pseudoreplicated peaks",
)
LOCK_COLUMNS = ("target", "accession", "assembly", "output_type", "md5sum", "url")
NEGATIVES = "DNase"
# Names used in the papers that differ from ENCODE's target labels.
TARGET_LABELS = {"Arid3": "ARID3A"}


class EncodeError(ValueError):
    """The ENCODE metadata could not be fetched or holds no usable file."""


def get_json(base: str, path: str, params: Mapping[str, str] | None = None, timeout: float = 60,
             retries: int = 1) -> dict:
    """GET ``base + path`` with ``format=json``; ENCODE's 404 for an empty search is an empty ``@graph``.

    Up to ``retries`` attempts (``seqattr.download.retry``): the portal's transient failures (HTTP
    5xx, dropped connections, a cut-off JSON body) are retried, client errors are not.
    """
    query = urllib.parse.urlencode({**(params or {}), "format": "json"})
    url = f"{base.rstrip('/')}{path}?{query}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})

    def attempt() -> dict:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404 and path.startswith("/search/"):
                return {"@graph": []}
            raise
        except json.JSONDecodeError as error:
            raise Transient(f"not JSON: {error}") from error

    try:
        return retry(attempt, retries, url)
    except (AttemptsFailed, OSError) as error:
        raise EncodeError(f"{url}: {error}") from error


def file_record(base: str, accession: str, retries: int = 1) -> dict:
    """The JSON of one file, checked for the fields the lock table needs."""
    record = get_json(base, f"/files/{accession}/", retries=retries)
    missing = [k for k in ("accession", "assembly", "md5sum", "href") if not record.get(k)]
    if missing:
        raise EncodeError(f"{accession}: ENCODE file record lacks {missing}")
    return record


def experiment_files(base: str, cell_line: str, target: str, retries: int = 1) -> list[dict]:
    """Files of every released TF ChIP-seq experiment of ``target`` in ``cell_line``."""
    label = TARGET_LABELS.get(target, target)
    search = get_json(
        base,
        "/search/",
        {
            "type": "Experiment",
            "assay_title": "TF ChIP-seq",
            "biosample_ontology.term_name": cell_line,
            "target.label": label,
            "status": "released",
            "limit": "all",
        },
        retries=retries,
    )
    experiments = [hit["accession"] for hit in search.get("@graph", [])]
    if not experiments:
        raise EncodeError(f"{target}: no released TF ChIP-seq experiment for target label {label} in {cell_line}")
    files = []
    for accession in experiments:
        for entry in get_json(base, f"/experiments/{accession}/", retries=retries).get("files", []):
            files.append({**entry, "experiment": accession})
    return files


def choose_peak_file(files: Sequence[dict], assembly: str, output_types: Sequence[str], target: str) -> dict:
    """The preferred released narrowPeak file of ``assembly`` (see the module docstring)."""
    rank = {kind: i for i, kind in enumerate(output_types)}
    candidates = [
        f
        for f in files
        if f.get("status") == "released"
        and f.get("file_format") == "bed"
        and f.get("file_type") == "bed narrowPeak"
        and f.get("assembly") == assembly
        and f.get("output_type") in rank
    ]
    if not candidates:
        seen = sorted({f"{f.get('output_type')} ({f.get('assembly')}, {f.get('status')})" for f in files})
        raise EncodeError(
            f"{target}: no released narrowPeak file of {assembly} among {list(output_types)}; found {seen}"
        )
    newest_first = sorted(candidates, key=lambda f: (f.get("date_created", ""), f["accession"]), reverse=True)
    chosen = min(newest_first, key=lambda f: rank[f["output_type"]])
    others = [f"{f['accession']} ({f['output_type']})" for f in newest_first if f is not chosen]
    log.info(
        "%s: chose %s (%s, %s, experiment %s): most preferred output type, newest file; other candidates: %s",
        target, chosen["accession"], chosen["output_type"], assembly, chosen.get("experiment"), others or "none",
    )
    return chosen


def lock_row(target: str, record: Mapping, base: str) -> dict:
    """One lock-table row from an ENCODE file record."""
    return {
        "target": target,
        "accession": record["accession"],
        "assembly": record["assembly"],
        "output_type": record.get("output_type", ""),
        "md5sum": record["md5sum"],
        "url": base.rstrip("/") + record["href"],
    }


def resolve(request: Mapping) -> pd.DataFrame:
    """The lock table for one ENCODE source.

    ``request`` holds ``cell_line``, ``targets``, ``dnase_accession``, ``pinned`` (target →
    accession), ``encode_url``, ``output_types``, ``retries`` (attempts per request; 1 when absent)
    and optionally ``assembly`` (the config's expectation, checked against the DNase file's).
    """
    base = request.get("encode_url") or DEFAULT_URL
    output_types = request.get("output_types") or OUTPUT_TYPES
    pinned = request.get("pinned") or {}
    retries = request.get("retries", 1)
    dnase = file_record(base, request["dnase_accession"], retries)
    assembly = dnase["assembly"]
    expected = request.get("assembly")
    if expected and expected != assembly:
        raise EncodeError(
            f"{dnase['accession']} (DNase negatives) is {assembly} but the config's assembly is {expected}; "
            f"set assembly: {assembly} or choose a {expected} DNase file"
        )
    log.info("%s: DNase negative pool %s, assembly %s", NEGATIVES, dnase["accession"], assembly)
    rows = [lock_row(NEGATIVES, dnase, base)]
    for target in request["targets"]:
        if target in pinned:
            record = file_record(base, pinned[target], retries)
            if record["assembly"] != assembly:
                raise EncodeError(f"{target}: pinned {record['accession']} is {record['assembly']}, not {assembly}")
            log.info("%s: %s pinned in config (%s)", target, record["accession"], record.get("output_type"))
        else:
            files = experiment_files(base, request["cell_line"], target, retries)
            record = choose_peak_file(files, assembly, output_types, target)
        rows.append(lock_row(target, record, base))
    return pd.DataFrame(rows, columns=list(LOCK_COLUMNS))


def write_lock(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the lock table as TSV, atomically."""
    write_tsv(table, path, columns=list(LOCK_COLUMNS))


def read_lock(path: str | os.PathLike) -> pd.DataFrame:
    """Read a lock table; a clear error when a column is missing."""
    table = pd.read_csv(path, sep="\t", dtype=str)
    missing = [c for c in LOCK_COLUMNS if c not in table.columns]
    if missing:
        raise EncodeError(f"{path}: lock table lacks columns {missing}; it has {list(table.columns)}")
    return table


def lock_entry(table: pd.DataFrame, key: str) -> dict:
    """The row whose target or accession is ``key``."""
    rows = table[(table["target"] == key) | (table["accession"] == key)]
    if len(rows) != 1:
        raise EncodeError(f"lock table has {len(rows)} rows for '{key}'; targets are {list(table['target'])}")
    return rows.iloc[0].to_dict()
