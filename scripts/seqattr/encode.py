"""ENCODE REST metadata → the peak file used for each TF, recorded in a lock table.

How a file is chosen (one approach, experiment-based, following ENCODE's own preferences):

1. The DNase-seq negative pool is resolved by accession (``/files/<ACC>/?format=json``) and must
   be of the source's assembly.
2. For each TF not pinned in config: search released TF ChIP-seq experiments of the cell
   line and target (``/search/?type=Experiment&assay_title=TF+ChIP-seq&…``), read each
   experiment's JSON and pool its files.
3. Keep released ``bed narrowPeak`` files of that assembly whose ``output_type`` is in the
   configured list; prefer, in this order, a file ENCODE marks ``preferred_default``, a file of
   its experiment's ``default_analysis`` (ENCODE4 experiments carry older analyses beside the
   current one), the earlier ``output_type`` of the list, the newest ``date_created``, the larger
   accession — and log the choice and the alternatives.

A TF pinned in config (target → accession) skips the search; its file must still be of the
source's assembly. Each target's choice is its own lock file (``resources/encode/<source>/<target>.tsv``,
the DNase pool under the target name ``DNase``), one row with columns ``LOCK_COLUMNS`` —
accession, assembly, md5, URL, the experiment and its biological replicates — written once:
adding a TF resolves that TF alone, and re-resolving one is done by deleting its lock file.
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

from seqattr import schema
from seqattr.data import write_tsv
from seqattr.download import AttemptsFailed, Transient, retry

log = logging.getLogger("seqattr")

_SOURCE = schema.defaults("encode_source")
DEFAULT_URL = _SOURCE["encode_url"]
OUTPUT_TYPES = tuple(_SOURCE["output_types"])
LOCK_COLUMNS = (
    "target",
    "accession",
    "assembly",
    "output_type",
    "md5sum",
    "url",
    "experiment",
    "biological_replicates",
)
NEGATIVES = "DNase"
# Names used in the papers that differ from ENCODE's target labels.
TARGET_LABELS = {"Arid3": "ARID3A"}


class EncodeError(ValueError):
    """The ENCODE metadata could not be fetched or holds no usable file."""


def get_json(
    base: str, path: str, params: Mapping[str, str] | None = None, timeout: float = 60, retries: int = 1
) -> dict:
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


def _id(entry) -> str | None:
    """The ``@id`` of an embedded object or of a link given as a string."""
    return entry if isinstance(entry, str) else (entry or {}).get("@id")


def in_default_analysis(experiment: Mapping, record: Mapping) -> bool | None:
    """Whether a file belongs to its experiment's default analysis (None: the experiment names none)."""
    default = _id(experiment.get("default_analysis"))
    if not default:
        return None
    if any(_id(a) == default for a in record.get("analyses") or []):
        return True
    for analysis in experiment.get("analyses") or []:
        if isinstance(analysis, Mapping) and analysis.get("@id") == default:
            return _id(record) in {_id(f) for f in analysis.get("files") or []}
    return False


def experiment_files(base: str, cell_line: str, target: str, retries: int = 1) -> list[dict]:
    """Files of every released TF ChIP-seq experiment of ``target`` in ``cell_line``, each with its
    ``experiment`` accession and whether it is of the experiment's default analysis."""
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
        experiment = get_json(base, f"/experiments/{accession}/", retries=retries)
        for entry in experiment.get("files", []):
            files.append(
                {**entry, "experiment": accession, "in_default_analysis": in_default_analysis(experiment, entry)}
            )
    return files


def _preference(rank: Mapping[str, int]):
    """Sort key, best first: preferred_default, default analysis, output type (date and accession break ties)."""
    return lambda f: (
        not f.get("preferred_default", False),
        f.get("in_default_analysis") is False,
        rank[f["output_type"]],
    )


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
    ordered = sorted(newest_first, key=_preference(rank))  # stable: the newest first within a preference
    chosen = ordered[0]
    why = [
        w
        for w, on in (
            ("ENCODE's preferred default", chosen.get("preferred_default")),
            ("of the experiment's default analysis", chosen.get("in_default_analysis")),
        )
        if on
    ]
    others = [
        f"{f['accession']} ({f['output_type']}{', preferred default' if f.get('preferred_default') else ''})"
        for f in ordered[1:]
    ]
    log.info(
        "%s: chose %s (%s, %s, experiment %s, biological replicates %s): %s; other candidates: %s",
        target,
        chosen["accession"],
        chosen["output_type"],
        assembly,
        chosen.get("experiment"),
        chosen.get("biological_replicates"),
        ", ".join(why + ["most preferred output type, newest file"]),
        others or "none",
    )
    return chosen


def _experiment_accession(record: Mapping) -> str:
    """The experiment a file record belongs to (its ``experiment`` note, else its ``dataset`` link)."""
    if record.get("experiment"):
        return str(record["experiment"])
    dataset = _id(record.get("dataset")) or ""
    return dataset.rstrip("/").split("/")[-1] if dataset else ""


def lock_row(target: str, record: Mapping, base: str) -> dict:
    """One lock-table row from an ENCODE file record."""
    return {
        "target": target,
        "accession": record["accession"],
        "assembly": record["assembly"],
        "output_type": record.get("output_type", ""),
        "md5sum": record["md5sum"],
        "url": base.rstrip("/") + record["href"],
        "experiment": _experiment_accession(record),
        "biological_replicates": ",".join(str(r) for r in record.get("biological_replicates") or []),
    }


def resolve_target(request: Mapping) -> pd.DataFrame:
    """The one-row lock table of one target of an ENCODE source.

    ``request`` holds ``target``, ``assembly``, ``encode_url`` and ``retries`` (attempts per request;
    1 when absent); for the DNase pool (``target == NEGATIVES``) ``dnase_accession``; for a TF
    ``cell_line``, ``output_types`` and optionally ``pinned`` (its accession, skipping the search).
    """
    base = request.get("encode_url") or DEFAULT_URL
    target, assembly, retries = request["target"], request["assembly"], request.get("retries", 1)
    if target == NEGATIVES:
        record = file_record(base, request["dnase_accession"], retries)
        if record["assembly"] != assembly:
            raise EncodeError(
                f"{record['accession']} (DNase negatives) is {record['assembly']} but the config's assembly is "
                f"{assembly}; set assembly: {record['assembly']} or choose a {assembly} DNase file"
            )
        log.info("%s: DNase negative pool %s, assembly %s", NEGATIVES, record["accession"], assembly)
    elif request.get("pinned"):
        record = file_record(base, request["pinned"], retries)
        if record["assembly"] != assembly:
            raise EncodeError(f"{target}: pinned {record['accession']} is {record['assembly']}, not {assembly}")
        log.info("%s: %s pinned in config (%s)", target, record["accession"], record.get("output_type"))
    else:
        files = experiment_files(base, request["cell_line"], target, retries)
        record = choose_peak_file(files, assembly, request.get("output_types") or OUTPUT_TYPES, target)
    return pd.DataFrame([lock_row(target, record, base)], columns=list(LOCK_COLUMNS))


def resolve(request: Mapping) -> pd.DataFrame:
    """The lock table of a whole ENCODE source: the DNase pool and then every TF in ``targets``.

    ``request`` is the source's config entry plus ``targets``; without ``assembly`` the DNase
    file's assembly is used. (The workflow resolves each target on its own, ``resolve_target``.)
    """
    base = request.get("encode_url") or DEFAULT_URL
    assembly = (
        request.get("assembly") or file_record(base, request["dnase_accession"], request.get("retries", 1))["assembly"]
    )
    pinned = request.get("pinned") or {}
    common = {**request, "assembly": assembly}
    tables = [resolve_target({**common, "target": NEGATIVES})]
    tables += [resolve_target({**common, "target": t, "pinned": pinned.get(t)}) for t in request["targets"]]
    return pd.concat(tables, ignore_index=True)


def write_lock(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the lock table as TSV, atomically."""
    write_tsv(table, path, columns=list(LOCK_COLUMNS))


def read_lock(path: str | os.PathLike) -> pd.DataFrame:
    """Read a lock table; a clear error when a column is missing."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in LOCK_COLUMNS if c not in table.columns]
    if missing:
        raise EncodeError(
            f"{path}: lock table lacks columns {missing} (written by an older version: delete it to "
            f"resolve again); it has {list(table.columns)}"
        )
    return table


def read_locks(paths) -> pd.DataFrame:
    """The lock tables of several targets (one path, or a list of paths) as one table."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    return pd.concat([read_lock(p) for p in paths], ignore_index=True)


def lock_entry(table: pd.DataFrame, key: str) -> dict:
    """The row whose target or accession is ``key``."""
    rows = table[(table["target"] == key) | (table["accession"] == key)]
    if len(rows) != 1:
        raise EncodeError(f"lock table has {len(rows)} rows for '{key}'; targets are {list(table['target'])}")
    return rows.iloc[0].to_dict()
