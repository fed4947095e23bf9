"""Hypothesis strategies shared by the tests."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import yaml
from hypothesis import strategies as st

from cappolicy.proposal.load import resolve_plain

#: Scalars as YAML and JSON write them (dates only where YAML can hold them).
json_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
yaml_scalars = json_scalars | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1))

#: Words that a proposal uses, so that mutations hit ids, codes and enumerations.
proposal_words = st.sampled_from([
    "xa-cirt", "xa-cirtt", "steering", "impl-a", "NO", "no", "XA", "xa", "nl", "EUR", "euro",
    "en", "EN", "cert", "cerd", "quarterly", "weekly", "2027-01-01", "2027-02-30", "soon",
    "xa-cirt/incident-response", "xa-cirt/nothing", "nobody/else", "", "<<", "~"])


def values(scalars: st.SearchStrategy[Any], max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Nested dicts and lists of `scalars`."""
    keys = st.text(max_size=10) | proposal_words
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(keys, children, max_size=4),
        max_leaves=max_leaves)


yaml_values = values(yaml_scalars | proposal_words)
json_values = values(json_scalars | proposal_words)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, data: dict[str, Any], replacements: st.SearchStrategy[Any]) -> Any:
    """`data` with up to three of its values (or keys) replaced, deleted or renamed."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "replace":
            parent[last] = draw(replacements)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8) | proposal_words)] = parent.pop(last)
    return data


class _Dumper(yaml.SafeDumper):
    """Quotes every string that cappolicy's YAML 1.2 reading would not read back as a string.

    PyYAML's dumper quotes by YAML 1.1 rules, so it leaves `1e3` or `0o17` bare."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if resolve_plain(value)[0] != "str":
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(value: Any) -> str:
    """YAML text that loads back to `value` under cappolicy's rules."""
    return yaml.dump(value, Dumper=_Dumper)  # escapes non-ASCII: NEL would fold a line
