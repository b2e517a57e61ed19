"""Motif discovery on attribution maps: TF-MoDISco patterns, named against JASPAR with Tomtom.

One attribution file gives two inputs to TF-MoDISco (``modisco-lite``): its raw map and its
gradient-corrected map, each as the *hypothetical* contributions, with contributions = map × x
(TF-MoDISco's authors recommend mean-normalised hypothetical scores, which is the correction).
Every pattern of either metacluster (``pos``: positive contributions, ``neg``: negative) is
trimmed to the positions whose summed |contribution| reaches ``trim_threshold`` × its maximum
(as modisco-lite's report trims) and its position probability matrix over that span is compared
with every motif of a JASPAR release by Tomtom (``memelite``), both strands.

Definitions (docs/decisions.md):

* **q-value** of a pattern's match to a motif: Benjamini–Hochberg over that pattern's p-values
  against every motif of the database (one test per database motif, each at its better strand).
* **rank** of a motif for a pattern: 1 + the number of database motifs with a smaller p-value.
* **recovered** core motif (synthetic data): some ``pos`` pattern matches it with q below the
  threshold and no other core motif matches that pattern better; **named** when it is also the
  pattern's best match in the whole database (rank 1).
* **spurious** pattern: one (either metacluster) that matches no core motif with q below the
  threshold; without core motifs (in vivo) one that matches no database motif at all.
* **seqlet overlap**: the fraction of the patterns' seqlets whose trimmed span holds at least one
  embedded-motif position (ground-truth information > 0.1 bit, ``seqattr.metrics``); **seqlet
  precision** the fraction of all trimmed-span positions that are motif positions, beside
  ``motif_position_fraction``, the fraction over all positions of the maps (the chance level).
* **target rank** (in vivo): the best rank of any of the target TF's motifs over the ``pos``
  patterns.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from seqattr import jaspar
from seqattr.analysis import OVER_SEEDS
from seqattr.correction import correct
from seqattr.metrics import POSITIVE_INFORMATION, information

log = logging.getLogger("seqattr")

VERSIONS = ("raw", "corrected")
DEFAULTS = {
    "window": 21,
    "flank": 10,
    "max_seqlets": 2000,
    "min_seqlets": 100,
    "seqlet_fdr": 0.2,
    "leiden_runs": 10,
    "min_pattern_seqlets": 20,
    "trim_threshold": 0.3,
    "qvalue": 0.05,
}
STATUS = ("ok", "no_patterns", "no_signal", "not_applicable")


@dataclass(frozen=True)
class Motif:
    """A database motif: its matrix ID, TF name and (L, 4) PWM in A, C, G, T order."""

    id: str
    name: str
    pwm: np.ndarray = field(repr=False)


@dataclass
class Pattern:
    """One TF-MoDISco pattern: its (W, 4) tracks and its seqlets.

    ``seqlets`` is (S, 4) int: example, start, end, reverse-complemented (0/1); a seqlet's
    position j of the pattern is sequence position start + j, or end − 1 − j when reverse-complemented.
    """

    name: str
    metacluster: str
    ppm: np.ndarray = field(repr=False)
    cwm: np.ndarray = field(repr=False)
    hypothetical: np.ndarray = field(repr=False)
    seqlets: np.ndarray = field(repr=False)

    def span(self, threshold: float = DEFAULTS["trim_threshold"]) -> tuple[int, int]:
        """[start, end) of the positions whose summed |contribution| reaches ``threshold`` × the maximum."""
        score = np.abs(self.cwm).sum(axis=1)
        keep = np.flatnonzero(score >= threshold * score.max())
        return int(keep.min()), int(keep.max()) + 1


# --- the motif database -------------------------------------------------------------------------


def jaspar_motifs(release: str, collection: str, tax_group: str) -> list[Motif]:
    """Every matrix of one JASPAR release, collection and taxonomic group (offline, from ``pyjaspar``)."""
    from pyjaspar import jaspardb

    from seqattr.jaspar import pwm_from_counts

    motifs = jaspardb(release=release).fetch_motifs(collection=collection, tax_group=[tax_group])
    if not motifs:
        raise ValueError(f"{release} has no {collection} matrices of tax group {tax_group!r}")
    return [Motif(m.matrix_id, m.name, pwm_from_counts(m.counts)) for m in motifs]


def write_meme(path: str | Path, motifs: list[Motif], source: str = "") -> None:
    """Write ``motifs`` as a MEME-format file (uniform background, both strands)."""
    lines = [
        "MEME version 4",
        "",
        "ALPHABET= ACGT",
        "",
        "strands: + -",
        "",
        "Background letter frequencies" + (f" (from {source})" if source else ""),
        "A 0.25 C 0.25 G 0.25 T 0.25",
        "",
    ]
    for motif in motifs:
        if " " in motif.id:
            raise ValueError(f"motif ID {motif.id!r} contains a space")
        lines += [
            f"MOTIF {motif.id} {motif.name}",
            f"letter-probability matrix: alength= 4 w= {len(motif.pwm)} nsites= 20 E= 0",
        ]
        lines += [" ".join(f"{p:.6f}" for p in row) for row in motif.pwm]
        lines += [""]
    Path(path).write_text("\n".join(lines) + "\n")


def read_meme(path: str | Path) -> list[Motif]:
    """Motifs of a MEME-format file (``MOTIF <id> <name>`` lines), PWMs as (L, 4)."""
    from memelite.io import read_meme as memelite_read

    motifs = []
    for header, pwm in memelite_read(str(path)).items():
        motif_id, _, name = header.partition(" ")
        motifs.append(Motif(motif_id, name or motif_id, np.asarray(pwm, dtype=np.float64).T))
    if not motifs:
        raise ValueError(f"{path}: no motifs in this MEME file")
    return motifs


def find_motifs(motifs: list[Motif], wanted) -> list[str]:
    """IDs of the database ``motifs`` named by ``wanted`` (matrix IDs or TF names; jaspar.find_ids)."""
    return jaspar.find_ids([(m.id, m.name) for m in motifs], wanted)


# --- constructed maps (tests and benchmarks) -----------------------------------------------------


def planted_maps(
    pwms: dict[str, np.ndarray],
    ids,
    n: int = 200,
    length: int = 200,
    p: float = 0.8,
    offset: float = 0.3,
    noise: float = 0.02,
    seed: int = 0,
):
    """(G, x, M): sequences with each motif of ``ids`` embedded (either strand, no overlaps) with
    probability ``p`` and the map of a model that has learnt exactly them, M − 0.25 plus N(0, ``noise``²)
    per entry plus an off-simplex offset c_l (1, 1, 1, 1) with c_l ~ N(0, ``offset``²), which the
    correction removes. M is the ground-truth sequence model, x is sampled from it."""
    rng = np.random.default_rng(seed)
    M = np.full((n, length, 4), 0.25)
    for i in range(n):
        free = np.ones(length, bool)
        for motif_id in ids:
            if rng.random() >= p:
                continue
            pwm = pwms[motif_id] if rng.random() < 0.5 else pwms[motif_id][::-1, ::-1]
            starts = [s for s in range(length - len(pwm) + 1) if free[s : s + len(pwm)].all()]
            if not starts:
                raise ValueError(
                    f"planted_maps: no room for {motif_id} ({len(pwm)} positions) in sequence {i} of "
                    f"length {length} beside the motifs already planted (5 free positions apart)"
                )
            s = rng.choice(starts)
            M[i, s : s + len(pwm)] = pwm
            free[max(0, s - 5) : s + len(pwm) + 5] = False
    x = np.eye(4, dtype=np.float32)[(rng.random((n, length, 1)) > M.cumsum(-1)).sum(-1).clip(0, 3)]
    G = M - 0.25 + rng.normal(0, noise, M.shape) + rng.normal(0, offset, (n, length, 1))
    return G.astype(np.float32), x, M


# --- discovery ----------------------------------------------------------------------------------


def discover(hypothetical: np.ndarray, x: np.ndarray, settings: dict | None = None) -> tuple[list[Pattern], str]:
    """TF-MoDISco on one map: its patterns (``pos`` then ``neg``) and a status.

    ``no_signal`` when the contributions (map × x) are constant, where TF-MoDISco's null model has
    nothing to fit (it would fail); ``no_patterns`` when it finds too few seqlets or no pattern passes,
    also when its seqlet thresholds cannot be fitted at all — modisco-lite then fails inside (a
    ZeroDivisionError for a map with no positive window, an empty isotonic fit for a corrected
    in vivo map with no null window on one side, seen on the lab's GABPA data).
    """
    from modiscolite.tfmodisco import TFMoDISco

    s = {**DEFAULTS, **(settings or {})}
    hypothetical = np.ascontiguousarray(hypothetical, dtype=np.float32)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if hypothetical.shape != x.shape or hypothetical.ndim != 3 or hypothetical.shape[-1] != 4:
        raise ValueError(f"maps {hypothetical.shape} and sequences {x.shape} must both be (N, L, 4)")
    if not np.isfinite(hypothetical).all():
        raise ValueError("the map holds NaN or infinite values")
    if x.shape[1] < s["window"] + 2 * s["flank"]:
        raise ValueError(
            f"sequences of length {x.shape[1]} are shorter than window + 2 × flank ({s['window']} + 2 × {s['flank']})"
        )
    scores = (hypothetical * x).sum(axis=2)
    if len(x) == 0 or np.ptp(scores) == 0:
        return [], "no_signal"
    try:
        positive, negative = TFMoDISco(
            one_hot=x,
            hypothetical_contribs=hypothetical,
            sliding_window_size=s["window"],
            flank_size=s["flank"],
            min_metacluster_size=s["min_seqlets"],
            max_seqlets_per_metacluster=s["max_seqlets"],
            target_seqlet_fdr=s["seqlet_fdr"],
            n_leiden_runs=s["leiden_runs"],
            final_min_cluster_size=s["min_pattern_seqlets"],
        )
    except (ZeroDivisionError, ValueError) as error:  # seqlet thresholds could not be fitted
        log.warning("TF-MoDISco found no usable seqlets (%s: %s)", type(error).__name__, error)
        return [], "no_patterns"
    patterns = []
    for metacluster, found in (("pos", positive), ("neg", negative)):
        for i, p in enumerate(found or []):
            seqlets = np.array(
                [[q.example_idx, q.start, q.end, int(q.is_revcomp)] for q in p.seqlets], dtype=np.int64
            ).reshape(-1, 4)
            patterns.append(
                Pattern(
                    f"{metacluster}_{i}",
                    metacluster,
                    np.asarray(p.sequence, np.float64),
                    np.asarray(p.contrib_scores, np.float64),
                    np.asarray(p.hypothetical_contribs, np.float64),
                    seqlets,
                )
            )
    return patterns, ("ok" if patterns else "no_patterns")


# --- matching -----------------------------------------------------------------------------------


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values of each row of ``p`` (the tests of one query), monotone, ≤ 1."""
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    n = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1) * n / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[:, ::-1], axis=1)[:, ::-1]
    q = np.empty_like(p)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=1)
    return q


def match(queries: list[np.ndarray], motifs: list[Motif]) -> dict[str, np.ndarray]:
    """Tomtom of each (W, 4) query against every motif, both strands: ``p``, ``q``, ``rank`` and
    ``strand`` (1 where the motif matched reverse-complemented), each (queries, motifs)."""
    from memelite import tomtom

    if not queries:
        empty = np.zeros((0, len(motifs)))
        return {"p": empty, "q": empty, "rank": empty.astype(np.int64), "strand": empty.astype(np.int64)}
    p, _scores, _offsets, _overlaps, strands = tomtom(
        [np.asarray(q, np.float64).T for q in queries], [m.pwm.T for m in motifs]
    )
    p = np.nan_to_num(p, nan=1.0)
    rank = rankdata(p, method="min", axis=1).astype(np.int64)
    return {"p": p, "q": bh_qvalues(p), "rank": rank, "strand": strands.astype(np.int64)}


# --- scores -------------------------------------------------------------------------------------


def span_positions(pattern: Pattern, span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(example, position) index arrays, (S, span length) each, of every seqlet's trimmed span."""
    a, b = span
    offsets = np.arange(a, b)
    example, start, end, rc = pattern.seqlets.T
    forward = start[:, None] + offsets[None, :]
    reverse = end[:, None] - 1 - offsets[None, :]
    return np.repeat(example[:, None], b - a, axis=1), np.where(rc[:, None] == 1, reverse, forward)


def seqlet_overlap(patterns: list[Pattern], motif_mask: np.ndarray, trim_threshold: float) -> tuple[float, float]:
    """(fraction of seqlets whose trimmed span holds a motif position, fraction of span positions that are
    motif positions) over every pattern's seqlets; nan without seqlets."""
    hits, positions = [], []
    for pattern in patterns:
        if len(pattern.seqlets) == 0:
            continue
        rows, cols = span_positions(pattern, pattern.span(trim_threshold))
        inside = motif_mask[rows, cols]
        hits.append(inside.any(axis=1))
        positions.append(inside.ravel())
    if not hits:
        return float("nan"), float("nan")
    return float(np.concatenate(hits).mean()), float(np.concatenate(positions).mean())


def pattern_table(
    patterns: list[Pattern],
    matches: dict,
    motifs: list[Motif],
    core_ids=(),
    target_ids=(),
    trim_threshold: float = DEFAULTS["trim_threshold"],
) -> pd.DataFrame:
    """One row per pattern: size, trimmed span, best database match, best core match and best target match."""
    index = {m.id: j for j, m in enumerate(motifs)}
    rows = []
    for i, pattern in enumerate(patterns):
        a, b = pattern.span(trim_threshold)
        best = int(np.argmin(matches["p"][i]))
        row = dict(
            pattern=pattern.name,
            metacluster=pattern.metacluster,
            n_seqlets=len(pattern.seqlets),
            length=len(pattern.ppm),
            span_start=a,
            span_end=b,
            best_match=motifs[best].id,
            best_name=motifs[best].name,
            best_pvalue=matches["p"][i, best],
            best_qvalue=matches["q"][i, best],
            best_strand="-" if matches["strand"][i, best] else "+",
        )
        for prefix, ids in (("core", core_ids), ("target", target_ids)):
            columns = [index[c] for c in ids if c in index]
            if columns:
                j = min(columns, key=lambda c: matches["p"][i, c])
                row.update(
                    {
                        f"{prefix}_match": motifs[j].id,
                        f"{prefix}_name": motifs[j].name,
                        f"{prefix}_qvalue": matches["q"][i, j],
                        f"{prefix}_rank": int(matches["rank"][i, j]),
                    }
                )
            else:
                row.update(
                    {
                        f"{prefix}_match": None,
                        f"{prefix}_name": None,
                        f"{prefix}_qvalue": np.nan,
                        f"{prefix}_rank": np.nan,
                    }
                )
        rows.append(row)
    columns = [
        "pattern",
        "metacluster",
        "n_seqlets",
        "length",
        "span_start",
        "span_end",
        "best_match",
        "best_name",
        "best_pvalue",
        "best_qvalue",
        "best_strand",
    ]
    columns += [f"{p}_{c}" for p in ("core", "target") for c in ("match", "name", "qvalue", "rank")]
    return pd.DataFrame(rows, columns=columns)


def map_scores(table: pd.DataFrame, core_ids=(), target_ids=(), qvalue: float = DEFAULTS["qvalue"]) -> dict:
    """The per-map scores of a ``pattern_table``: core motifs recovered and named, spurious patterns, target rank."""
    positive = table[table["metacluster"] == "pos"]
    out = dict(
        n_patterns=len(table),
        n_positive_patterns=len(positive),
        n_negative_patterns=int((table["metacluster"] == "neg").sum()),
        n_seqlets=int(table["n_seqlets"].sum()),
    )
    if core_ids:
        hits = positive[positive["core_qvalue"] < qvalue]
        recovered = sorted(set(hits["core_match"]))
        named = sorted(set(hits.loc[hits["core_match"] == hits["best_match"], "core_match"]))
        out.update(
            core_motifs=len(core_ids),
            core_recovered=len(recovered),
            core_named=len(named),
            recovered_ids=";".join(recovered),
            named_ids=";".join(named),
            spurious_patterns=int((~(table["core_qvalue"] < qvalue)).sum()),
        )
    else:
        out.update(
            core_motifs=0,
            core_recovered=np.nan,
            core_named=np.nan,
            recovered_ids="",
            named_ids="",
            spurious_patterns=int((~(table["best_qvalue"] < qvalue)).sum()),
        )
    if target_ids and len(positive):
        best = positive.sort_values(["target_rank", "target_qvalue"]).iloc[0]
        out.update(
            target_rank=float(best["target_rank"]),
            target_match=best["target_match"],
            target_qvalue=float(best["target_qvalue"]),
            target_pattern=best["pattern"],
        )
    else:
        out.update(target_rank=np.nan, target_match=None, target_qvalue=np.nan, target_pattern=None)
    return out


def run_columns() -> list[str]:
    """Columns of the per-version rows of ``discover_motifs`` after the labels, in order."""
    return [
        "version",
        "status",
        "n_sequences",
        "n_patterns",
        "n_positive_patterns",
        "n_negative_patterns",
        "n_seqlets",
        "core_motifs",
        "core_recovered",
        "core_named",
        "recovered_ids",
        "named_ids",
        "spurious_patterns",
        "seqlet_overlap",
        "seqlet_precision",
        "motif_position_fraction",
        "target_rank",
        "target_match",
        "target_qvalue",
        "target_pattern",
        "targets",
        "seconds",
    ]


def labelled(table: pd.DataFrame, label: dict) -> pd.DataFrame:
    """``table`` with the run's label columns in front (also when it has no rows)."""
    table = table.reset_index(drop=True).copy()
    for position, (key, value) in enumerate(label.items()):
        table.insert(position, key, value)
    return table


def version_maps(G: np.ndarray, kind: str) -> dict[str, np.ndarray | None]:
    """The map of each version: raw and corrected; for ISM (Δf, 0 at the observed base) its per-position
    mean-centred map as raw and no corrected version (as in ``seqattr.analysis.scored_maps``)."""
    if kind == "ism":
        return {"raw": correct(G), "corrected": None}
    return {"raw": G, "corrected": correct(G)}


def discover_motifs(
    G: np.ndarray,
    x: np.ndarray,
    kind: str,
    motifs: list[Motif],
    settings: dict | None = None,
    core_ids=(),
    target_ids=(),
    model: np.ndarray | None = None,
    log=None,
):
    """Raw and corrected motif discovery on one attribution file.

    Returns (rows: one dict per version, patterns: DataFrame with a ``version`` column, arrays for
    the logo figure: per version the patterns' tracks, trimmed spans and best-match PWMs)."""
    s = {**DEFAULTS, **(settings or {})}
    mask = information(model) > POSITIVE_INFORMATION if model is not None else None
    rows, tables, arrays = [], [], {}
    for version, hypothetical in version_maps(np.asarray(G, np.float64), kind).items():
        start = time.perf_counter()
        if hypothetical is None:
            patterns, status = [], "not_applicable"
        else:
            patterns, status = discover(hypothetical, x, s)
        spans = [p.span(s["trim_threshold"]) for p in patterns]
        matches = match([p.ppm[a:b] for p, (a, b) in zip(patterns, spans)], motifs)
        table = pattern_table(patterns, matches, motifs, core_ids, target_ids, s["trim_threshold"])
        row = dict(
            version=version, status=status, n_sequences=len(G), **map_scores(table, core_ids, target_ids, s["qvalue"])
        )
        row["targets"] = ";".join(target_ids)
        if status == "not_applicable":
            row.update(
                {
                    k: np.nan
                    for k in row
                    if k
                    not in ("version", "status", "n_sequences", "core_motifs", "recovered_ids", "named_ids", "targets")
                }
            )
        overlap, precision = seqlet_overlap(patterns, mask, s["trim_threshold"]) if mask is not None else (np.nan,) * 2
        row.update(
            seqlet_overlap=overlap,
            seqlet_precision=precision,
            motif_position_fraction=float(mask.mean()) if mask is not None else np.nan,
            seconds=round(time.perf_counter() - start, 2),
        )
        rows.append({k: row.get(k) for k in run_columns()})
        tables.append(table.assign(version=version))
        arrays.update(pattern_arrays(version, patterns, spans, matches, motifs))
        if log:
            log.info(
                "%s: %s, %d patterns (%d pos), %.1f s; %s",
                version,
                status,
                row["n_patterns"] or 0,
                row["n_positive_patterns"] or 0,
                row["seconds"],
                ", ".join(
                    f"{r.pattern} {r.n_seqlets} seqlets → {r.best_match} {r.best_name} q={r.best_qvalue:.2g}"
                    for r in table.itertuples()
                )
                or "-",
            )
    patterns = pd.concat(tables, ignore_index=True)
    return rows, patterns[["version"] + [c for c in patterns.columns if c != "version"]], arrays


def pattern_arrays(
    version: str, patterns: list[Pattern], spans, matches: dict, motifs: list[Motif]
) -> dict[str, np.ndarray]:
    """Flat arrays of one version's patterns, NaN-padded to the longest: ``{version}_cwm``,
    ``_hypothetical``, ``_ppm`` (P, W, 4), ``_span`` (P, 2), ``_match`` (P, M, 4: the best match's PWM on the
    strand it matched), ``_seqlets`` (S, 5: pattern index, example, start, end, reverse-complemented)."""
    width = max([len(p.ppm) for p in patterns], default=0)
    best_index = [int(np.argmin(matches["p"][i])) for i in range(len(patterns))]
    best = [motifs[j].pwm[::-1, ::-1] if matches["strand"][i, j] else motifs[j].pwm for i, j in enumerate(best_index)]

    def padded(items, n):
        out = np.full((len(items), n, 4), np.nan)
        for i, item in enumerate(items):
            out[i, : len(item)] = item
        return out

    seqlets = [np.column_stack([np.full(len(p.seqlets), i), p.seqlets]) for i, p in enumerate(patterns)]
    return {
        f"{version}_cwm": padded([p.cwm for p in patterns], width),
        f"{version}_hypothetical": padded([p.hypothetical for p in patterns], width),
        f"{version}_ppm": padded([p.ppm for p in patterns], width),
        f"{version}_span": np.array(spans, dtype=np.int64).reshape(-1, 2),
        f"{version}_match": padded(best, max([len(b) for b in best], default=0)),
        f"{version}_seqlets": np.concatenate(seqlets).astype(np.int64) if seqlets else np.zeros((0, 5), np.int64),
    }


# --- over seeds -----------------------------------------------------------------------------------

# Summary metrics and which direction is better (None: neither).
SUMMARY_METRICS = {
    "core_recovered": "higher",
    "core_named": "higher",
    "spurious_patterns": "lower",
    "n_patterns": None,
    "seqlet_overlap": "higher",
    "seqlet_precision": "higher",
    "target_rank": "lower",
}


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """Raw against corrected over seeds, one row per dataset × model × regime × task × method × metric: means
    and SDs of each version over the seeds where both versions have a value, and the number of those
    seeds where the corrected map does better, the same, or worse (for metrics with a direction)."""
    keys = list(OVER_SEEDS)
    rows = []
    for group, runs in table.groupby(keys, sort=True):
        wide = runs.pivot_table(
            index="seed", columns="version", values=list(SUMMARY_METRICS), aggfunc="first", dropna=False
        )
        for metric, better in SUMMARY_METRICS.items():
            if (metric, "raw") not in wide or (metric, "corrected") not in wide:
                pair = pd.DataFrame(columns=["raw", "corrected"], dtype=float)
            else:
                pair = pd.DataFrame({v: pd.to_numeric(wide[(metric, v)], errors="coerce") for v in VERSIONS}).dropna()
            if pair.empty and not runs[metric].notna().any():
                continue
            diff = pair["corrected"] - pair["raw"]
            sign = {"higher": 1, "lower": -1, None: 0}[better]
            rows.append(
                {
                    **dict(zip(keys, group)),
                    "metric": metric,
                    "better": better or "",
                    "n_seeds": len(pair),
                    "raw_mean": pair["raw"].mean(),
                    "raw_sd": pair["raw"].std(),
                    "corrected_mean": pair["corrected"].mean(),
                    "corrected_sd": pair["corrected"].std(),
                    "corrected_better": int((sign * diff > 0).sum()) if sign else np.nan,
                    "same": int((diff == 0).sum()),
                    "corrected_worse": int((sign * diff < 0).sum()) if sign else np.nan,
                }
            )
    columns = keys + [
        "metric",
        "better",
        "n_seeds",
        "raw_mean",
        "raw_sd",
        "corrected_mean",
        "corrected_sd",
        "corrected_better",
        "same",
        "corrected_worse",
    ]
    return pd.DataFrame(rows, columns=columns)
