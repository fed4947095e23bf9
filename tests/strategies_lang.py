"""Hypothesis strategies and builders for the rule language: expression trees,
near-grammatical text, small proposals, and rulesets written to a folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from cappolicy.lang import ast
from cappolicy.lang.values import percent_of
from cappolicy.rulesets.catalog import Catalog, EffectiveRuleset, Rulesets

# ------------------------------------------------------------------ expression trees

#: Names a rule may use; none is a keyword where a name can stand. `law-enforcement`
#: and `x-1` check that inner hyphens stay part of the name.
NAMES = ["a", "b", "org", "host_country", "x1", "law-enforcement", "min_co_financing", "_tmp",
         "x-1", "month"]
FIELDS = ["id", "country", "kind", "end", "led_by", "from", "count", "by_year"]
FUNCTIONS = ["len", "year", "lower", "reaches", "f"]
names = st.sampled_from(NAMES)
EDGE_KINDS = ["reports_to", "oversees", "funds", "member_of", "shares_data"]


def _decimal_text(draw: st.DrawFn) -> str:
    whole = draw(st.integers(min_value=0, max_value=10**9))
    if draw(st.booleans()):
        return str(whole)
    frac = draw(st.text("0123456789", min_size=1, max_size=12))
    return f"{whole}.{frac}"


@st.composite
def numbers(draw: st.DrawFn) -> int | float:
    """A number as the parser builds it from digits: int, or float when it has a point."""
    text = _decimal_text(draw)
    return float(text) if "." in text else int(text)


@st.composite
def percents(draw: st.DrawFn) -> ast.Percent:
    """A percent as the parser builds it from digits (values.percent_of)."""
    text = _decimal_text(draw)
    return ast.Percent(percent_of(float(text) if "." in text else int(text)))


durations = st.one_of(
    st.integers(0, 600).map(lambda n: ast.Duration(n, 0)),
    st.integers(0, 50).map(lambda n: ast.Duration(12 * n, 0)),
    st.integers(0, 5000).map(lambda n: ast.Duration(0, n)),
)
currencies = st.sampled_from(["EUR", "USD", "XOF"])
countries = st.sampled_from(["XA", "XB", "NL", "BE", "NO", "ZZ"])


def literals() -> st.SearchStrategy[ast.Literal]:
    return st.one_of(
        numbers().map(lambda v: ast.Literal(v, "number")),
        percents().map(lambda v: ast.Literal(v, "percent")),
        durations.map(lambda v: ast.Literal(v, "duration")),
        st.builds(lambda n, c: ast.Literal(ast.Money(float(n), c), "money"), numbers(), currencies),
        st.text(max_size=12).map(lambda v: ast.Literal(v, "string")),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(lambda v: ast.Literal(v, "date")),
        st.booleans().map(lambda v: ast.Literal(v, "bool")),
        countries.map(lambda v: ast.Literal(v, "country")),
    )


BINARY_OPS = ["and", "or", "implies", "==", "!=", "<", "<=", ">", ">=", "in", "not in",
              "+", "-", "*", "/"]


def _is_binder_lookalike(e: ast.Expr) -> bool:
    """`count(x in c)` is a binder; `count` of the membership test `x in c` cannot be written."""
    return isinstance(e, ast.Binary) and e.op == "in" and isinstance(e.left, ast.Name)


def _extend(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    maybe = st.none() | children
    small = st.lists(children, max_size=3).map(tuple)
    aggregates = st.sampled_from(["count", "sum", "min", "max", "union"])
    return st.one_of(
        st.builds(ast.Attr, children, st.sampled_from(FIELDS)),
        st.builds(ast.Index, children, children),
        st.builds(ast.Call, st.sampled_from(FUNCTIONS), small,
                  st.lists(st.tuples(names, children), max_size=2).map(tuple),
                  st.none() | children),
        st.builds(ast.Unary, st.sampled_from(["not", "-"]), children),
        st.builds(lambda op, l, r: ast.Binary(op, l, r), st.sampled_from(BINARY_OPS), children,
                  children),
        st.builds(ast.Matches, children, st.text(max_size=8)),
        st.builds(ast.Presence, children, st.booleans()),
        st.builds(ast.Quantifier, st.sampled_from(["any", "all"]), names, children, maybe,
                  children),
        # count(c) / count(x in c where w) / sum(e for x in c where w)
        st.builds(lambda k, c: ast.Aggregate(k, None, c, None, None), aggregates,
                  children.filter(lambda c: not _is_binder_lookalike(c))),
        st.builds(lambda k, v, c, w: ast.Aggregate(k, v, c, w, None), aggregates, names,
                  children, maybe),
        st.builds(ast.Aggregate, aggregates, names, children, maybe, children),
        st.builds(ast.SetLit, small),
        st.builds(ast.ListLit, small),
        # graph queries: node conditions `n -> ...` and `via: [kind, kind<-]`
        st.builds(lambda m, start, cond, via: ast.Call(
                      m, (start,) + ((cond,) if cond is not None else ()),
                      (("via", via),) if via is not None else (), ast.Name("graph")),
                  st.sampled_from(["reaches", "path", "successors"]), children,
                  st.none() | st.builds(ast.Lambda, names, children),
                  st.none() | st.builds(ast.EdgeKinds, st.lists(
                      st.tuples(st.sampled_from(EDGE_KINDS), st.booleans()), max_size=3).map(tuple))),
    )


exprs: st.SearchStrategy[ast.Expr] = st.recursive(
    st.one_of(names.map(ast.Name), literals()), _extend, max_leaves=12)


# ------------------------------------------------------------ text near the grammar

TOKENS = [
    "ruleset", "version", "extends", "jurisdiction", "param", "set", "override", "disable",
    "rule", "principle", "source", "severity", "for", "let", "when", "require", "forbid",
    "message", "hint", "because", "must", "should", "advisory", "higher", "is", "stricter",
    "percent", "set", "of", "any", "all", "in", "where", "count", "sum", "min", "max", "union",
    "and", "or", "not", "implies", "matches", "present", "absent", "true", "false", "{", "}", "(",
    ")", "[", "]", ":", ",", ".", "=", "==", "!=", "<", "<=", "+", "-", "*", "/", "%", '"',
    '"text"', '"{x}"', '"{{"', '"{"', "15%", "6 months", "2 years", "50000 EUR", "2027-02-30",
    "2027-01-01", "XA", "OWN-01", "regional/eac", "org", "org.country", "law-enforcement",
    "#", "\n", "\t", "\\", "1.5", "x", "requre", "_",
]
RULE_TEXT = '''ruleset baseline "B"
param min_share: percent = 15% higher is stricter
rule OWN-01 "t" {
  principle local-ownership
  for org in organisations where org.country == host_country
  require org.kind in {ministry, cert} and count(x in organisations where x.id == "a") > 0
  message "{org.id} {{x}}"
}
'''


@st.composite
def spliced_text(draw: st.DrawFn) -> str:
    """Grammar keywords and punctuation in random order, or a valid file with a few
    tokens inserted, deleted or replaced: text that gets far into the parser."""
    if draw(st.booleans()):
        parts = draw(st.lists(st.sampled_from(TOKENS), max_size=40))
        seps = draw(st.lists(st.sampled_from([" ", "", "\n", "  "]), min_size=len(parts),
                             max_size=len(parts)))
        head = draw(st.sampled_from(["", "ruleset r\n", 'ruleset r "t"\nrule R-1 "t" {\n']))
        return head + "".join(p + s for p, s in zip(parts, seps))
    text = RULE_TEXT
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        cut = draw(st.integers(0, 6))
        token = draw(st.sampled_from(TOKENS))
        if action == "insert":
            text = text[:at] + token + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + cut:]
        else:
            text = text[:at] + token + text[at + cut:]
    return text


# ------------------------------------------------------------------ small proposals

ORG_IDS = ["gov", "cirt", "donor", "impl"]


@st.composite
def small_proposals(draw: st.DrawFn) -> dict[str, Any]:
    """Proposal data as the loader makes it, with optional fields left out at random,
    so that rules pass, fail and cannot be decided."""
    def maybe(key: str, value: Any, into: dict[str, Any]) -> None:
        if draw(st.integers(0, 4)):  # present four times in five
            into[key] = value

    host = draw(st.sampled_from(["XA", "XB"]))
    start = draw(st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(0, 2000)))
    data: dict[str, Any] = {"cappolicy": 1, "id": "P-1", "title": "A programme",
                            "host_country": host, "period": {"start": start, "end": end}}
    orgs = []
    for oid in draw(st.lists(st.sampled_from(ORG_IDS), unique=True, max_size=4)):
        org: dict[str, Any] = {"id": oid, "name": oid.title()}
        maybe("country", draw(st.sampled_from(["XA", "XB", "NL"])), org)
        maybe("kind", draw(st.sampled_from(["ministry", "cert", "donor", "implementer"])), org)
        orgs.append(org)
    maybe("organisations", orgs, data)
    sources = []
    for oid in draw(st.lists(st.sampled_from(ORG_IDS), max_size=3)):
        source: dict[str, Any] = {"from": oid}
        maybe("by_year", {y: draw(st.integers(0, 10**6)) for y in
                          draw(st.lists(st.sampled_from([2027, 2028]), unique=True))}, source)
        sources.append(source)
    maybe("funding", {"currency": "EUR", "sources": sources}, data)
    acts = []
    for i in range(draw(st.integers(0, 3))):
        act: dict[str, Any] = {"id": f"A{i + 1}", "type": "training"}
        maybe("led_by", draw(st.sampled_from([*ORG_IDS, "ghost"])), act)
        maybe("end", start + dt.timedelta(days=draw(st.integers(-100, 2500))), act)
        maybe("languages", draw(st.lists(st.sampled_from(["en", "fr"]), max_size=2)), act)
        acts.append(act)
    maybe("activities", acts, data)
    bodies = []
    for i in range(draw(st.integers(0, 2))):
        body: dict[str, Any] = {"id": f"body-{i}", "kind": "steering-committee"}
        maybe("chair", draw(st.lists(st.sampled_from(ORG_IDS), max_size=2)), body)
        bodies.append(body)
    maybe("governance", {"bodies": bodies}, data)
    maybe("sunset", {"date": end + dt.timedelta(days=draw(st.integers(-30, 400))),
                     "handover_to": draw(st.sampled_from(ORG_IDS))}, data)
    return data


# ------------------------------------------------------------------ expression text over a proposal

#: pieces of expressions over a proposal: paths that exist, paths that may not, literals
LEAVES = ["organisations", "activities", "funding.sources", "governance.bodies", "period.end",
          "period.start", "sunset.date", "host_country", "title", "as_of", "budget.lines",
          "activities[0]", "activities[-1].led_by", "organisations[1].country", "15%",
          "1000 EUR", "3", "2.5", "0", '"XA"', "XA", "NO", "2027-06-30", "6 months", "true",
          "{XA, NO}", "[1, 2]", "ministry", "personal", "sunset.handover_to"]
ITEM_FIELDS = ["id", "country", "kind", "led_by", "from", "by_year", "end", "mandates",
               "partners", "languages", "chair", "data_flows"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3, bound: tuple[str, ...] = ()) -> str:
    """Expression text over a proposal, mostly well typed, sometimes not."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if bound and draw(st.booleans()):
            var = draw(st.sampled_from(bound))
            return draw(st.sampled_from([var, f"{var}.{draw(st.sampled_from(ITEM_FIELDS))}",
                                         f"{var}.led_by.country", f"{var}.from.country"]))
        return draw(st.sampled_from(LEAVES))
    sub = expressions(depth - 1, bound)
    var = f"v{depth}"
    inner = expressions(depth - 1, (*bound, var))
    coll = st.sampled_from(["organisations", "activities", "funding.sources", "budget.lines",
                            "governance.bodies", "[1, 2, 3]", "{XA, NO}"] +
                           [f"{b}.{f}" for b in bound for f in ("partners", "by_year",
                                                                "mandates", "languages")])
    form = draw(st.integers(0, 11))
    if form == 0:
        op = draw(st.sampled_from(["and", "or", "implies"]))
        return f"({draw(sub)}) {op} ({draw(sub)})"
    if form == 1:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]))
        return f"({draw(sub)}) {op} ({draw(sub)})"
    if form == 2:
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return f"({draw(sub)}) {op} ({draw(sub)})"
    if form == 3:
        return f"not ({draw(sub)})"
    if form == 4:
        return f"({draw(sub)}) {draw(st.sampled_from(['present', 'absent']))}"
    if form == 5:
        kind = draw(st.sampled_from(["any", "all"]))
        where = f" where {draw(inner)}" if draw(st.booleans()) else ""
        return f"{kind} {var} in {draw(coll)}{where}: {draw(inner)}"
    if form == 6:
        kind = draw(st.sampled_from(["count", "sum", "min", "max", "union"]))
        where = f" where {draw(inner)}" if draw(st.booleans()) else ""
        if draw(st.booleans()):
            return f"{kind}({draw(inner)} for {var} in {draw(coll)}{where})"
        return f"{kind}({var} in {draw(coll)}{where})"
    if form == 7:
        return f"{draw(st.sampled_from(['count', 'sum', 'min', 'max', 'union']))}({draw(sub)})"
    if form == 8:
        func = draw(st.sampled_from(["len", "keys", "values", "year", "lower", "upper", "slug", "abs"]))
        return f"{func}({draw(sub)})"
    if form == 9:
        return f"({draw(sub)}) matches \"^[A-Z]\""
    if form == 10:
        return f"-({draw(sub)})"
    return f"({draw(sub)})[{draw(st.sampled_from(['0', '1', '-1', '2027', 'host_country']))}]"


# ------------------------------------------------------------------ rulesets on disk


def write_rulesets(root: Path, files: Mapping[str, str]) -> Catalog:
    """Write `{relative path: text}` under `root` and catalogue it."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Catalog([root])


def effective(root: Path, files: Mapping[str, str], ruleset: str) -> EffectiveRuleset:
    """The effective (and compiled) ruleset `ruleset` of the files written under `root`."""
    catalog = write_rulesets(root, files)
    source = catalog.find(ruleset)
    assert source is not None, f"no ruleset {ruleset} in {catalog.ids()}"
    return Rulesets(catalog).get(source)
