"""The line breaks only a YAML reader sees, and help for the problems it reports.

PyYAML and libyaml read YAML 1.1, which ends a line at NEL (U+0085), U+2028 and U+2029
as well as at a line feed or carriage return; editors, diffs and YAML 1.2 do not. Outside
quotes such a character ends a comment, or a plain value, and what follows it on the
line a reviewer sees is read as a line of its own: `# checked<U+2028>waivers: [...]`
looks like a comment and waives a rule. Inside a quoted scalar it is only text, so a
proposal may hold one there (the loader locates values after it as an editor does).
"""

from __future__ import annotations

import bisect

import yaml

from ..base.deferred import N_
from ..base.patterns import lazy

#: characters YAML 1.1 takes for line breaks and an editor does not
YAML_ONLY_BREAKS = lazy("[\x85\u2028\u2029]")


def unquoted_break(text: str) -> int | None:
    """The offset of the first NEL, U+2028 or U+2029 of `text` that is not inside a
    quoted scalar; None when there is none. Text after a syntax error counts as
    unquoted: the reader refuses it anyway."""
    if not YAML_ONLY_BREAKS.search(text):
        return None
    quoted: list[tuple[int, int]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"):
                quoted.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError:
        pass
    for found in YAML_ONLY_BREAKS.finditer(text):
        at = bisect.bisect_right(quoted, (found.start(), len(text))) - 1
        if at < 0 or found.start() >= quoted[at][1]:
            return found.start()
    return None


#: help for the problems PyYAML reports, by a piece of their text
_YAML_HINTS = (
    ("cannot start any token", N_("YAML is indented with spaces, not tabs; a value starting "
                                  "with @, ` or % must be quoted")),
    ("mapping values are not allowed", N_("quote a value that contains ': ', or check the "
                                          "indentation of this line")),
    ("could not find expected ':'", N_("each line of a mapping is 'key: value'; check the "
                                       "indentation and the quotes above")),
    ("expected ',' or ']'", N_("a flow list '[ ... ]' is not closed")),
    ("expected ',' or '}'", N_("a flow mapping '{{ ... }}' is not closed")),
    ("found unexpected end of stream", N_("a quoted string is not closed")),
    ("found unknown escape character", N_("inside double quotes, write a backslash as \\\\")),
)


def yaml_hint(problem: str) -> str | None:
    """The help for a problem PyYAML reports, in words a proposal's writer knows."""
    for needle, hint in _YAML_HINTS:
        if needle in problem:
            return hint
    return None
