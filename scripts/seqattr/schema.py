"""The config schema (``scripts/seqattr/config.schema.yaml``): the one place where defaults are written.

Library modules take their defaults from here — ``defaults("consistency")``, or for one kind of
regime or attribution method ``kind_defaults("regime", "mixup")`` — so a direct library call and
a validated config use the same values, and a default is changed by editing the schema alone.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml

SCHEMA = Path(__file__).with_name("config.schema.yaml")  # package data: installed with the library


@lru_cache(maxsize=None)
def _load(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text())


def load(path: str | Path = SCHEMA) -> dict:
    """The schema as a dict (a fresh copy: callers may change it)."""
    return copy.deepcopy(_load(str(path)))


def _resolve(subschema: dict, root: dict) -> dict:
    ref = subschema.get("$ref")
    if not ref:
        return subschema
    node = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _gather(subschema: dict, root: dict, instance: dict | None = None) -> dict:
    """Property subschemas a dict may have under ``subschema``: its own, those of ``$ref`` and ``allOf``,
    and — when ``instance`` is given — those of every ``if``/``then`` whose ``if`` it matches."""
    found = {}
    target = _resolve(subschema, root)
    if target is not subschema:
        found.update(_gather(target, root, instance))
    for part in subschema.get("allOf", []):
        found.update(_gather(part, root, instance))
    if instance is not None and "if" in subschema and _matches(subschema["if"], instance):
        found.update(_gather(subschema["then"], root, instance))
    for name, prop in subschema.get("properties", {}).items():
        found[name] = {**found.get(name, {}), **prop}
    return found


def _matches(condition: dict, instance: dict) -> bool:
    """Whether ``instance`` satisfies an ``if`` of the form used here (required keys, ``const`` / ``enum`` values)."""
    if any(key not in instance for key in condition.get("required", [])):
        return False
    for name, rule in condition.get("properties", {}).items():
        if name not in instance:
            continue
        if "const" in rule and instance[name] != rule["const"]:
            return False
        if "enum" in rule and instance[name] not in rule["enum"]:
            return False
    return True


def properties(definition: str, kind: str | None = None) -> dict:
    """Property subschemas of ``$defs/<definition>`` (for ``kind``: the common ones plus that kind's own)."""
    root = _load(str(SCHEMA))
    instance = None if kind is None else {"kind": kind}
    return copy.deepcopy(_gather(root["$defs"][definition], root, instance))


def kinds(definition: str) -> list[str]:
    """The allowed values of ``kind`` in ``$defs/<definition>``."""
    return list(_load(str(SCHEMA))["$defs"][definition]["properties"]["kind"]["enum"])


def kind_properties(definition: str, kind: str) -> dict:
    """The parameters one kind adds to the common ones of ``$defs/<definition>`` (e.g. a mixup regime's ``alpha``)."""
    common = properties(definition)
    return {name: prop for name, prop in properties(definition, kind).items() if name not in common}


def _defaults(props: dict) -> dict:
    return {name: copy.deepcopy(prop["default"]) for name, prop in props.items() if "default" in prop}


def defaults(definition: str) -> dict:
    """Every default of ``$defs/<definition>`` (a fresh copy)."""
    return _defaults(properties(definition))


def kind_defaults(definition: str, kind: str) -> dict:
    """The defaults of one kind's own parameters."""
    return _defaults(kind_properties(definition, kind))


def allowed_keys(subschema: dict, instance: dict, root: dict) -> list[str]:
    """Keys a config entry may have under ``subschema`` given its ``kind`` (for one-line errors)."""
    return sorted(_gather(subschema, root, instance))
