"""The formats a report is written in, in one table: the command line offers them,
`render.render` dispatches on them to the module of `render/` that writes each, and the
workers of a run write parts of those that can be joined. Adding a format is one entry
here and its module in `render/` (docs/contributing.md).

The table is here, not in `render/`, so that the command line lists the formats at
start-up without importing the renderers or what they read."""

from __future__ import annotations

#: what a render function may be given, besides the report
OPTIONS = ("color", "verbose", "sources", "root", "lang")


class Format:
    """A report format: its name on the command line, the module of `render/` and the
    function in it that writes it, which of OPTIONS that function takes, and whether the
    workers of a run can write each proposal's part of it (`joined`: the module also
    has the functions run/check.py joins the parts with). A plain class: a NamedTuple is
    a class written and compiled when cappolicy starts."""

    __slots__ = ("name", "module", "function", "options", "joined")

    def __init__(self, name: str, module: str, function: str, options: tuple[str, ...] = (),
                 joined: bool = False) -> None:
        self.name = name
        self.module = module
        self.function = function
        self.options = options
        self.joined = joined


TABLE = (
    Format("text", "text", "render_text", ("color", "verbose", "sources", "lang"), joined=True),
    Format("json", "jsonfmt", "render_json", joined=True),
    Format("sarif", "sarif", "render_sarif", ("root",)),
    Format("junit", "junit", "render_junit"),
    Format("github", "github", "render_github", ("root",)),
    Format("markdown", "markdown", "render_markdown", ("root", "lang")),
    Format("html", "html", "render_html", ("sources", "lang")),
)

if any(set(f.options) - set(OPTIONS) for f in TABLE):
    raise ValueError(f"a format takes an option render() does not give: {OPTIONS}")
BY_NAME = {f.name: f for f in TABLE}
#: the names, in the order the help lists them
FORMATS = tuple(BY_NAME)
#: the formats whose parts workers write (run/check.py)
JOINED = tuple(f.name for f in TABLE if f.joined)
