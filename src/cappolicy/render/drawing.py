"""The governance graph drawn as inline SVG for the HTML report.

The layout comes from Graphviz's `dot` when it is installed (its plain output: the
position of each node and the curve of each edge), else from a layered layout made
here (organisations, bodies, the programme, activities, left to right). Either way the
SVG is written here, so both drawings look alike and hold only what this module
writes: every text from a proposal is escaped, ids are prefixed per proposal so that
several drawings share a page, and each marked node or edge links to the first finding
about it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence

import attrs
from markupsafe import Markup, escape

from ..base.visible import visible
from ..graph.governance import GovernanceGraph
from ..graph.parts import Edge, NodeInfo
from ..lang.i18n import gettext
from . import graphout
from .graphout import DOT_TIMEOUT, FOREIGN_FILL, HOST_FILL, UNKNOWN_FILL

_FILLS = {"program": "#c9daf8", "body": "#fff2cc", "activity": "#ead1dc"}
CHAR_WIDTH = 7.0  # px per character of the 12px label font, roughly
NODE_HEIGHT = 40.0
MAX_LABEL = 30  # characters of a name shown on a node
MARGIN = 20.0


@attrs.frozen
class Link:
    """Where a marked node or edge leads: the anchor of a finding, and its rule ids."""

    anchor: str
    rules: tuple[str, ...]


@attrs.frozen
class Drawing:
    svg: Markup
    engine: str  # "dot" or "layered"


class DotTime:
    """The seconds Graphviz may still take for the drawings of one report: its
    DOT_BUDGET at first, each layout's time taken off. Once spent, draw lays out
    without it."""

    __slots__ = ("left",)

    def __init__(self, seconds: float | None = None) -> None:
        self.left = graphout.DOT_BUDGET if seconds is None else seconds


@attrs.define
class _Box:
    key: str
    x: float  # centre
    y: float
    w: float
    h: float


def draw(graph: GovernanceGraph, prefix: str, node_links: Mapping[str, Link],
         edge_links: Mapping[int, Link], *, use_dot: bool = True,
         dot_time: DotTime | None = None) -> Drawing:
    """The graph as an <svg> element; `prefix` makes its ids unique in the page. Laid
    out by Graphviz when `use_dot` and it is installed, within `dot_time` if given."""
    keys = graph.nodes()
    edges = [e for e in graph.all_edges() if e.source in graph and e.target in graph]
    sizes = {k: (_width(_lines(graph, k)), NODE_HEIGHT) for k in keys}
    layout = _dot_layout(keys, edges, sizes, dot_time) if use_dot else None
    engine = "dot"
    if layout is None:
        layout = _layered_layout(graph, keys, sizes, edges)
        engine = "layered"
    boxes, curves, width, height = layout
    return Drawing(_svg(graph, prefix, boxes, curves, edges, width, height, node_links,
                        edge_links, engine), engine)


# --- layouts -----------------------------------------------------------------------------

_Layout = tuple[dict[str, _Box], dict[int, list[tuple[float, float]]], float, float]


def _dot_layout(keys: Sequence[str], edges: Sequence[Edge],
                sizes: Mapping[str, tuple[float, float]], dot_time: DotTime | None = None
                ) -> _Layout | None:
    """Positions from `dot -Tplain`, in pixels; None when dot is missing or fails, or
    `dot_time` is spent."""
    exe = shutil.which("dot")
    timeout = DOT_TIMEOUT if dot_time is None else min(DOT_TIMEOUT, dot_time.left)
    if exe is None or timeout <= 0:
        return None
    names = {k: f"n{i}" for i, k in enumerate(keys)}
    lines = ["digraph g {", "  rankdir=LR; nodesep=0.3; ranksep=0.9;",
             '  node [shape=box, fixedsize=true, label=""];']
    for k in keys:
        w, h = sizes[k]
        lines.append(f"  {names[k]} [width={w / 72:.3f}, height={h / 72:.3f}];")
    for e in edges:
        lines.append(f"  {names[e.source]} -> {names[e.target]} [id=e{e.id}];")
    lines.append("}")
    began = time.monotonic()
    try:
        done = subprocess.run([exe, "-Tplain"], input="\n".join(lines).encode(),
                              capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        if dot_time is not None:
            dot_time.left -= time.monotonic() - began
    if done.returncode != 0:
        return None
    by_name = {v: k for k, v in names.items()}
    boxes: dict[str, _Box] = {}
    pending: dict[tuple[str, str], list[list[tuple[float, float]]]] = {}
    height = width = 0.0
    for row in done.stdout.decode("utf-8", "replace").splitlines():
        parts = row.split()
        if not parts:
            continue
        try:
            if parts[0] == "graph":
                width, height = float(parts[2]) * 72, float(parts[3]) * 72
            elif parts[0] == "node":
                x, y, w, h = (float(v) * 72 for v in parts[2:6])
                boxes[by_name[parts[1]]] = _Box(by_name[parts[1]], x + MARGIN,
                                                height - y + MARGIN, w, h)
            elif parts[0] == "edge":
                n = int(parts[3])
                coords = [float(v) * 72 for v in parts[4:4 + 2 * n]]
                points = [(coords[i] + MARGIN, height - coords[i + 1] + MARGIN)
                          for i in range(0, len(coords), 2)]
                pending.setdefault((by_name[parts[1]], by_name[parts[2]]), []).append(points)
        except (ValueError, IndexError, KeyError):
            return None
    if set(boxes) != set(keys):
        return None
    curves: dict[int, list[tuple[float, float]]] = {}
    for e in edges:  # dot writes the edges of a pair in the order they were given
        queue = pending.get((e.source, e.target))
        if not queue:
            return None
        curves[e.id] = queue.pop(0)
    return boxes, curves, width + 2 * MARGIN, height + 2 * MARGIN


_COLUMNS = ("organisation", "body", "program", "activity")


def _layered_layout(graph: GovernanceGraph, keys: Sequence[str],
                    sizes: Mapping[str, tuple[float, float]], edges: Sequence[Edge]) -> _Layout:
    """Columns by category, host organisations above foreign ones; edges as curves."""
    columns: list[list[str]] = [[] for _ in _COLUMNS]
    for k in keys:
        node = graph.node(k)
        category = node.category if node is not None else "organisation"
        index = _COLUMNS.index(category) if category in _COLUMNS else 0
        columns[index].append(k)

    def host_first(k: str) -> int:
        node = graph.node(k)
        host = node.summary.get("host") if node is not None else None
        return 0 if host is True else 1 if host is False else 2

    columns[0].sort(key=host_first)
    columns = [c for c in columns if c]
    gap_x, gap_y = 90.0, 22.0
    boxes: dict[str, _Box] = {}
    x = MARGIN
    tallest = max((sum(sizes[k][1] + gap_y for k in c) for c in columns), default=0.0)
    for column in columns:
        col_w = max(sizes[k][0] for k in column)
        col_h = sum(sizes[k][1] + gap_y for k in column)
        y = MARGIN + (tallest - col_h) / 2
        for k in column:
            w, h = sizes[k]
            boxes[k] = _Box(k, x + col_w / 2, y + h / 2, w, h)
            y += h + gap_y
        x += col_w + gap_x
    curves: dict[int, list[tuple[float, float]]] = {}
    seen: dict[tuple[str, str], int] = {}
    for e in edges:
        a, b = boxes[e.source], boxes[e.target]
        bend = 14.0 * seen.get((e.source, e.target), 0)
        seen[(e.source, e.target)] = seen.get((e.source, e.target), 0) + 1
        if a.key == b.key:
            p0 = (a.x + a.w / 2, a.y)
            curves[e.id] = [p0, (p0[0] + 40, p0[1] - 40), (p0[0] + 40, p0[1] + 40),
                            (p0[0], p0[1] + 4)]
            continue
        if abs(a.x - b.x) < 1:  # same column: out of the right side and back in
            p0, p3 = (a.x + a.w / 2, a.y), (b.x + b.w / 2, b.y)
            reach = 40.0 + bend + abs(a.y - b.y) / 6
            curves[e.id] = [p0, (p0[0] + reach, p0[1]), (p3[0] + reach, p3[1]), p3]
            continue
        sign = 1 if b.x > a.x else -1
        p0 = (a.x + sign * a.w / 2, a.y)
        p3 = (b.x - sign * b.w / 2, b.y)
        mid = (p3[0] - p0[0]) / 2
        curves[e.id] = [p0, (p0[0] + mid, p0[1] + bend), (p3[0] - mid, p3[1] + bend), p3]
    return boxes, curves, x - gap_x + MARGIN, tallest + 2 * MARGIN


# --- SVG ---------------------------------------------------------------------------------


def _lines(graph: GovernanceGraph, key: str) -> tuple[str, str]:
    node = graph.node(key)
    if node is None:
        return _short(key), ""
    summary = node.summary
    name = summary.get("name")
    shown = str(summary.get("id", key)) if node.category == "program" else key
    title = str(name) if name else shown
    details = [shown] if name and shown != name else []
    details += [str(summary[k]) for k in ("kind", "country") if summary.get(k) is not None]
    return _short(title), _short(" · ".join(details))


def _short(text: str) -> str:
    text = visible(text)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _width(lines: tuple[str, str]) -> float:
    return max(90.0, max(len(line) for line in lines) * CHAR_WIDTH + 20)


def _fill(node: NodeInfo | None) -> str:
    if node is None:
        return UNKNOWN_FILL
    host = node.summary.get("host")
    if node.category == "organisation" or host is not None:
        return HOST_FILL if host is True else FOREIGN_FILL if host is False else UNKNOWN_FILL
    return _FILLS.get(node.category, UNKNOWN_FILL)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _path(points: Sequence[tuple[float, float]]) -> str:
    first, rest = points[0], points[1:]
    d = f"M{_num(first[0])},{_num(first[1])}"
    if len(rest) % 3 == 0 and rest:
        for i in range(0, len(rest), 3):
            d += " C" + " ".join(f"{_num(x)},{_num(y)}" for x, y in rest[i:i + 3])
    else:
        d += "".join(f" L{_num(x)},{_num(y)}" for x, y in rest)
    return d


def _svg(graph: GovernanceGraph, prefix: str, boxes: Mapping[str, _Box],
         curves: Mapping[int, list[tuple[float, float]]], edges: Sequence[Edge], width: float,
         height: float, node_links: Mapping[str, Link], edge_links: Mapping[int, Link],
         engine: str) -> Markup:
    out: list[str] = []
    arrow, marked_arrow = f"{prefix}-arrow", f"{prefix}-arrow-marked"
    out.append(Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="governance" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" data-engine="{engine}" '
        'aria-label="{label}">').format(w=_num(width), h=_num(height), engine=engine,
                                        label=gettext("governance graph")))
    out.append(Markup(
        '<defs><marker id="{a}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555555"/></marker><marker id="{m}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path '
        'd="M0,0 L10,5 L0,10 z" fill="#d62728"/></marker></defs>').format(a=arrow,
                                                                         m=marked_arrow))
    for e in edges:
        points = curves.get(e.id)
        if not points:
            continue
        link = edge_links.get(e.id)
        cls = "edge marked" if link else "edge"
        mid = points[len(points) // 2]
        label = escape(_short(e.kind))
        body = Markup(
            '<path d="{d}" fill="none" stroke="{c}" stroke-width="{sw}" '
            'marker-end="url(#{m})"/><text x="{x}" y="{y}" class="edge-label" '
            'text-anchor="middle">{label}</text>').format(
            d=_path(points), c="#d62728" if link else "#777777", sw="3" if link else "1.2",
            m=marked_arrow if link else arrow, x=_num(mid[0]), y=_num(mid[1] - 4), label=label)
        title = Markup("<title>{t}</title>").format(t=_edge_title(e, link))
        group = Markup('<g class="{cls}" id="{p}-e{i}" data-edge="{i}">{title}{body}</g>').format(
            cls=cls, p=prefix, i=e.id, title=title, body=body)
        out.append(_linked(group, link))
    for index, (key, box) in enumerate(boxes.items()):
        node = graph.node(key)
        link = node_links.get(key)
        first, second = _lines(graph, key)
        shape_rx = "20" if node is not None and node.category == "activity" else "6"
        if node is not None and node.category == "program":
            shape_rx = "2"
        body = Markup(
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" '
            'stroke="{stroke}" stroke-width="{sw}"/>'
            '<text x="{cx}" y="{ty}" text-anchor="middle" class="node-name">{first}</text>'
            '<text x="{cx}" y="{ty2}" text-anchor="middle" class="node-detail">{second}</text>'
        ).format(x=_num(box.x - box.w / 2), y=_num(box.y - box.h / 2), w=_num(box.w),
                 h=_num(box.h), rx=shape_rx, fill=_fill(node),
                 stroke="#d62728" if link else "#555555", sw="3" if link else "1",
                 cx=_num(box.x), ty=_num(box.y - 3), ty2=_num(box.y + 12), first=first,
                 second=second)
        title = Markup("<title>{t}</title>").format(
            t=visible(key) + (" — " + ", ".join(link.rules) if link else ""))
        group = Markup('<g class="{cls}" id="{p}-n{i}" data-node="{k}">{title}{body}</g>').format(
            cls="node marked" if link else "node", p=prefix, i=index, k=visible(key), title=title,
            body=body)
        out.append(_linked(group, link))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def _edge_title(e: Edge, link: Link | None) -> str:
    text = visible(f"{e.source} -{e.kind}-> {e.target}")
    return text + (" — " + ", ".join(link.rules) if link else "")


def _linked(group: Markup, link: Link | None) -> Markup:
    if link is None:
        return group
    return Markup('<a href="#{a}">{g}</a>').format(a=link.anchor, g=group)


__all__ = ["Drawing", "Link", "draw"]
