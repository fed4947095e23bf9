"""Proposal format v1 as a JSON Schema (draft 2020-12), made from `cappolicy.proposal.schema`.

Editors (YAML and JSON language servers) use it to complete field names and enum
values and to mark mistakes while a proposal is typed. It accepts what the loader
accepts, as far as a schema can say it:

- required fields are `required`, and a required field may not be empty; an
  optional field may be empty (null), which the loader reads as absent;
- enumerations list their values; `cappolicy` is the constant 1;
- dates are strings with format "date" and a YYYY-MM-DD pattern (YAML reads a
  plain 2027-01-01 as a date; convert it to text before validating outside an
  editor);
- country, language and currency codes are patterns (two capitals, two small
  letters, three capitals): the ISO tables are too large to list, and the
  loader checks them;
- a text field takes any scalar, as the loader does (`objectives: [3.4]`);
- `by_year` maps are keyed by four-digit years (`patternProperties`);
- every record is open: a field the format does not know is an extension
  (`additionalProperties`), kept by the loader with a warning.

What a schema cannot say, `cappolicy check` does: that references name declared
ids, that ids are unique, that an unknown field is not a misspelt known one."""

from __future__ import annotations

from typing import Any

from ..lang.types import EnumT, Field, ListT, MapT, Prim, RecordT, RefT, SetT, Type
from . import schema
from .sections import describe

DIALECT = "https://json-schema.org/draft/2020-12/schema"
YEAR_KEY = "^[0-9]{4}$"

_CODES: dict[str, dict[str, Any]] = {
    "country": {
        "type": "string", "pattern": "^[A-Z]{2}$",
        "description": "A country code, ISO 3166-1 alpha-2 (NL, KE; XA to XZ for "
                       "illustrative countries). Write NO for Norway as it is: YAML 1.2 "
                       "keeps it text."},
    "language": {
        "type": "string", "pattern": "^[a-z]{2}$",
        "description": "A language code, ISO 639-1 (en, fr, sw)."},
    "currency": {
        "type": "string", "pattern": "^[A-Z]{3}$",
        "description": "A currency code, ISO 4217 (EUR, USD, KES)."},
}
_DATE: dict[str, Any] = {
    "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "A calendar day, YYYY-MM-DD, without a time. In YAML write it plain "
                   "(2027-01-01) or quoted; in JSON as a string."}
_TEXT: dict[str, Any] = {
    "type": ["string", "number", "boolean"],
    "description": "Text. A number or true/false is read as written."}
_REFS: dict[str, tuple[dict[str, Any], str]] = {
    "organisation": (
        {"$ref": "#/$defs/text"},
        "The id of an organisation listed under organisations."),
    "node": (
        {"$ref": "#/$defs/text"},
        "The id of an organisation (organisations) or a governance body (governance.bodies)."),
    "mandate": (
        {"type": "string", "pattern": "^[^/]+/.+$"},
        ("A mandate, written organisation-id/mandate-id (xa-cirt/incident-response); the "
         "mandate is declared under that organisation's mandates.")),
    "activity": (
        {"$ref": "#/$defs/text"},
        "The id of an activity listed under activities."),
}
_NOTES = {
    "date": "A date, YYYY-MM-DD.",
    "country": "ISO 3166-1 alpha-2 country code.",
    "language": "ISO 639-1 language code.",
    "currency": "ISO 4217 currency code.",
    "money": "An amount, in funding.currency.",
}
_EXTENSIONS = ("Fields the format does not define are kept as extensions, with a warning; "
               "name your own with an x- prefix.")


def proposal_schema() -> dict[str, Any]:
    """The JSON Schema of proposal format v1, as JSON-ready data."""
    builder = _Builder()
    body = builder.record(schema.PROPOSAL, top=True)
    body["properties"]["cappolicy"] = {
        "const": schema.FORMAT_VERSION,
        "description": describe("cappolicy") or "The format version."}
    return {
        "$schema": DIALECT,
        "title": f"cappolicy proposal, format {schema.FORMAT_VERSION}",
        "description": (
            "A proposal for an international cyber-capacity-building programme, checked by "
            "`cappolicy check` against the ruleset of its host country. Field names are a "
            "contract. " + _EXTENSIONS + " References between ids and the ISO code tables "
            "are checked by cappolicy, not by this schema."),
        **body,
        "$defs": builder.defs,
    }


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def define(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        key = name.replace(" ", "_")
        known = self.defs.get(key)
        if known is not None and known != body:
            raise ValueError(f"two schemas named {key!r} in $defs")
        self.defs[key] = body
        return {"$ref": f"#/$defs/{key}"}

    def type_(self, t: Type) -> dict[str, Any]:
        if isinstance(t, RecordT):
            return self.define(t.name, self.record(t))
        if isinstance(t, (ListT, SetT)):
            return {"type": "array", "items": self.type_(t.item)}
        if isinstance(t, MapT):
            if _is_year(t.key):
                return {"type": "object", "patternProperties": {YEAR_KEY: self.type_(t.value)},
                        "additionalProperties": False}
            return {"type": "object", "additionalProperties": self.type_(t.value)}
        if isinstance(t, EnumT):
            return self.define(t.name, {"enum": list(t.values),
                                        "description": f"{t.name}: one of "
                                                       f"{', '.join(t.values)}."})
        if isinstance(t, RefT):
            body, note = _REFS.get(t.target, ({"$ref": "#/$defs/text"}, ""))
            if body.get("$ref") == "#/$defs/text":
                self.define("text", _TEXT)
            return self.define(f"{t.target} reference", {**body, "description": note})
        if isinstance(t, Prim):
            return self.prim(t.name)
        return {}

    def prim(self, name: str) -> dict[str, Any]:
        if name in ("number", "money", "percent"):
            return {"type": "number"}
        if name == "year":
            return {"type": "integer", "minimum": 1000, "maximum": 9999}
        if name == "bool":
            return {"type": "boolean"}
        if name == "date":
            return self.define("date", _DATE)
        if name in _CODES:
            return self.define(name, _CODES[name])
        if name == "string":
            return self.define("text", _TEXT)
        return {}

    def record(self, t: RecordT, top: bool = False) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for field in t.fields:
            properties[field.name] = self.field(field, top)
        body: dict[str, Any] = {"type": "object"}
        if not top:
            article = "An" if t.name[:1] in "aeiou" else "A"
            body["description"] = f"{article} {t.name}." + (f" {_EXTENSIONS}" if t.open else "")
        body["properties"] = properties
        required = [f.name for f in t.fields if f.required]
        if required:
            body["required"] = required
        body["additionalProperties"] = t.open
        return body

    def field(self, field: Field, top: bool) -> dict[str, Any]:
        sub = self.type_(field.type)
        note = _note(field.type)
        text = _sentence(describe(field.name) if top else field.doc)
        if text and note and text.rstrip(".").lower() in note.lower():
            text = ""  # the note says it already
        if "ISO " in text and "ISO " in note:
            note = ""  # the text names the standard already
        description = " ".join(p for p in (text, note) if p)
        if not field.required:
            sub = {"anyOf": [sub, {"type": "null"}]}
        if description:
            sub = {**sub, "description": description}
        return sub


def _is_year(t: Type) -> bool:
    return isinstance(t, Prim) and t.name == "year"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _note(t: Type) -> str:
    """A short description of a field's type, for the hover text of editors."""
    if isinstance(t, Prim):
        return _NOTES.get(t.name, "")
    if isinstance(t, EnumT):
        return f"One of: {', '.join(t.values)}."
    if isinstance(t, RefT):
        return _REFS.get(t.target, ({}, ""))[1]
    if isinstance(t, (ListT, SetT)):
        item = t.item
        if isinstance(item, RefT) and item.target == "organisation":
            return "Ids of organisations listed under organisations."
        if isinstance(item, EnumT):
            return f"A list of: {', '.join(item.values)}."
        if isinstance(item, Prim) and item.name in _NOTES:
            return f"A list; each item: {_NOTES[item.name]}"
        return ""
    if isinstance(t, MapT) and _is_year(t.key):
        return "Amounts by year: {2027: 1200000, 2028: 900000}."
    return ""
