"""Read IATI activity files (XML, IATI Standard 2.0x), one activity at a time.

    bytes --expat, fed in chunks--> one Element tree per `iati-activity`, every element
          and attribute with its line:column --(iati_map.py)--> Proposal

The reader is pyexpat, driven directly, rather than ElementTree or lxml: expat reports
the line and column (in characters) of every start tag, which ElementTree throws away,
and its handlers let us refuse a document type declaration the moment one begins. IATI
files never need one, and every entity attack needs one: an external entity (XXE) that
reads a file or a URL, and nested internal entities that expand a few hundred bytes
into gigabytes ("billion laughs"). So a DOCTYPE is refused at once, with its location,
before expat reads a single declaration; no entity is ever defined, none is expanded,
nothing is fetched. Undeclared entity references are expat's own located error.

Memory stays flat in the file's size: the file is fed 64 KiB at a time, each activity
is handed on as soon as its end tag is read, and nothing outside the activity being
read is kept. Text reaches the handlers in pieces; a tag, comment or processing
instruction is held whole and read again from its start with each chunk, so one still
open after MAX_TOKEN bytes stops the file (CP460). Expat counts lines at `\\n`,
`\\r\\n` and a lone `\\r`, as editors do, and columns in characters; attributes, which
expat does not locate, are found in the bytes of their start tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

import attrs

from ..base.deferred import N_
from ..base.errors import Diagnostic
from ..base.span import Span

CHUNK = 64 * 1024
#: the longest a single token (a start tag with its attributes, a comment, a processing
#: instruction) may be: text is streamed, a token is held whole and read again per chunk
MAX_TOKEN = 8 * 1024 * 1024
#: the most elements one activity may hold, and how deep they may nest: a proposal's own
#: bounds (load.py). Real activities hold hundreds to a few thousand elements; one that
#: holds more is refused alone (CP465), and its elements are no longer kept as it is read,
#: so that memory stays within what one activity may take, whatever the file holds.
MAX_ELEMENTS = 200_000
MAX_NESTING = 64
#: and the most text it may hold, in characters: a proposal file's own bound (load.py)
MAX_TEXT = 10 * 1024 * 1024

#: the versions of the IATI activity standard the mapping reads
VERSIONS = ("2.01", "2.02", "2.03")
ACTIVITIES = "iati-activities"
ACTIVITY = "iati-activity"
ORGANISATIONS = "iati-organisations"

_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*(["'])""")
_BREAK = re.compile(rb"\r\n|\r|\n")
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


def _width(text: bytes) -> int:
    """How many characters the UTF-8 bytes `text` are, as decoding them with
    replacement counts them; for the ASCII of most start tags, how many bytes."""
    return len(text) if text.isascii() else len(text.decode("utf-8", "replace"))


class Element:
    """An element of an activity: its tag, attributes (each with the span of its value),
    text (stripped; with the span of the element) and children, in order."""

    __slots__ = ("attrs", "children", "span", "tag", "text")

    def __init__(self, tag: str, span: Span, attrs: dict[str, tuple[str, Span]]) -> None:
        self.tag = tag
        self.span = span
        self.attrs = attrs
        self.children: list[Element] = []
        self.text = ""

    def get(self, name: str) -> str | None:
        found = self.attrs.get(name)
        return found[0].strip() if found is not None else None

    def at(self, name: str) -> Span:
        """The span of attribute `name`'s value, or of the element when it has none."""
        found = self.attrs.get(name)
        return found[1] if found is not None else self.span

    def find(self, tag: str) -> Element | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Element]:
        return [child for child in self.children if child.tag == tag]

    def narrative(self) -> str | None:
        """The first non-empty narrative's text (or the element's own, as IATI 1.x wrote it)."""
        for child in self.children:
            if child.tag == "narrative" and child.text:
                return child.text
        return self.text or None

    def narrative_span(self) -> Span:
        for child in self.children:
            if child.tag == "narrative" and child.text:
                return child.span
        return self.span


@attrs.frozen
class Header:
    """The root element of an activity file: its version and where it is."""

    version: str | None
    span: Span
    attrs: dict[str, str] = attrs.field(factory=dict)


class _Stop(Exception):
    """Raised in a handler: reading stops with this diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@attrs.frozen
class Refused:
    """An activity too large to read (CP465): the reading goes on with the next one."""

    diagnostic: Diagnostic


class ActivityReader:
    """Reads one IATI activity file: `header` once the root is read, then each activity
    from `activities()`; a problem that stops reading is yielded as a Diagnostic, after
    the activities read before it."""

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name if name is not None else str(path)
        self.header: Header | None = None
        self._stack: list[Element] = []
        self._text: list[list[str]] = []
        self._ready: list[Element | Refused] = []
        self._buffer = b""
        self._base = 0  # the offset in the file of _buffer[0]
        self._depth = 0
        self._read = 0  # activities handed on
        self._parser: Any = None
        self._count = 0  # elements of the activity being read
        self._text_size = 0  # and the characters of its text

    # --- positions ---------------------------------------------------------------------

    def _here(self) -> tuple[int, int]:
        return self._parser.CurrentLineNumber, self._parser.CurrentColumnNumber + 1

    def _point(self) -> Span:
        line, column = self._here()
        return Span(self.name, line, column, line, column + 1)

    def _attribute_spans(self, names: list[str], line: int, column: int) -> dict[str, Span]:
        """Where each attribute's value starts, found in the start tag's bytes."""
        offset = self._parser.CurrentByteIndex - self._base
        if offset < 0 or not names:
            return {}
        tag = _START_TAG.match(self._buffer, offset)
        if tag is None:  # longer than the bytes kept: the element's span stands in
            return {}
        spans: dict[str, Span] = {}
        buffer, end = self._buffer, tag.end()
        # where the bytes before `at` end: each attribute's bytes are read once, from the
        # attribute before it, never again from the tag's start (a tag of thousands of
        # attributes on as many lines took time quadratic in its length)
        at, vline, vcol = offset, line, column
        for match in _ATTRIBUTE.finditer(buffer, offset, end):
            key = match.group(1).decode("utf-8", "replace")
            if key in spans:
                continue
            start = match.end()  # just after the opening quote: no \r\n is split here
            piece = buffer[at:start]
            last = None
            breaks = 0
            if b"\n" in piece or b"\r" in piece:  # (seldom) the value is on a later line
                for last in _BREAK.finditer(piece):
                    breaks += 1
            if last is not None:
                vline += breaks
                vcol = _width(piece[last.end():]) + 1
            else:
                vcol += _width(piece)
            at = start
            closing = buffer.find(match.group(2), start, end)
            width = _width(buffer[start:closing if closing >= 0 else start])
            spans[key] = Span(self.name, vline, vcol, vline, vcol + max(width, 1))
        return spans

    # --- handlers ----------------------------------------------------------------------

    def _doctype_start(self) -> Span:
        """Where `<!DOCTYPE` begins: expat calls its handler at the `[` or `>` after the
        name and identifiers, which may be lines further on."""
        line, column = self._here()
        offset = self._parser.CurrentByteIndex - self._base
        start = self._buffer.rfind(b"<!DOCTYPE", 0, max(offset, 0) + 1)
        if offset < 0 or start < 0:  # not in the bytes kept (or not UTF-8): expat's point
            return self._point()
        between = self._buffer[start:offset]
        breaks = list(_BREAK.finditer(between))
        if not breaks:
            column -= len(between.decode("utf-8", "replace"))
        else:
            line -= len(breaks)
            before = self._buffer[:start]
            last = max(before.rfind(b"\n"), before.rfind(b"\r"))
            column = len(before[last + 1:].decode("utf-8", "replace")) + 1
        return Span(self.name, line, column, line, column + len("<!DOCTYPE"))

    def _refuse_doctype(self, name: str, *_: Any) -> None:
        raise _Stop(Diagnostic(
            "CP461", N_("{file} declares a document type (<!DOCTYPE {name}>); IATI files "
                        "have none, and cappolicy reads no DTD, defines no entity and fetches "
                        "nothing", file=self.name, name=name),
            self._doctype_start(), N_("remove the <!DOCTYPE ...> declaration; it is how XML "
                                      "entity attacks (external entities, entity expansion) "
                                      "begin")))

    def _refuse_entity(self, *_: Any) -> None:
        raise _Stop(Diagnostic(
            "CP461", N_("{file} declares an XML entity; cappolicy expands none",
                        file=self.name),
            self._point(), N_("remove the entity declarations")))

    def _refuse_external(self, *_: Any) -> int:
        raise _Stop(Diagnostic(
            "CP461", N_("{file} refers to an external entity; cappolicy fetches nothing",
                        file=self.name),
            self._point(), N_("remove the reference")))

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        line, column = self._here()
        span = Span(self.name, line, column, line, column + len(tag) + 1)
        self._depth += 1
        if self._depth == 1:
            self._root(tag, attributes, span)
            return
        if not self._stack and tag != ACTIVITY:
            return  # something beside the activities: not read
        if not self._stack:
            self._count = self._text_size = 0
        self._count += 1
        if self._count > MAX_ELEMENTS or len(self._stack) >= MAX_NESTING:
            self._overflow()
            return
        names = list(attributes)
        located = self._attribute_spans(names, line, column)
        element = Element(tag, span, {k: (v, located.get(k, span))
                                      for k, v in attributes.items()})
        if self._stack:
            self._stack[-1].children.append(element)
        self._stack.append(element)
        self._text.append([])

    def _end(self, tag: str) -> None:
        self._depth -= 1
        if not self._stack or self._depth + 1 < 2:
            return
        element = self._stack.pop()
        element.text = "".join(self._text.pop()).strip()
        if not self._stack:
            self._ready.append(element)

    def _chars(self, data: str) -> None:
        if self._text:
            self._text_size += len(data)
            if self._text_size > MAX_TEXT:
                self._overflow()
                return
            self._text[-1].append(data)

    def _overflow(self) -> None:
        """The activity being read is past its bounds: what was kept of it is let go, and
        the rest of it is passed over as what lies beside the activities is (the stack
        is empty until the next activity starts); it is refused alone, in its place."""
        activity = self._stack[0]
        self._stack[:] = []
        self._text[:] = []
        self._ready.append(Refused(Diagnostic(
            "CP465", N_("this activity holds more than {n} elements, or nests them deeper "
                        "than {depth}, or holds more than {mib} MiB of text: it is not read",
                        n=f"{MAX_ELEMENTS:,}", depth=MAX_NESTING, mib=MAX_TEXT >> 20),
            activity.span, N_("IATI activities hold a few thousand elements at most: ask "
                              "the publisher whether the file is what it meant to publish"))))

    def _root(self, tag: str, attributes: dict[str, str], span: Span) -> None:
        version = attributes.get("version")
        located = self._attribute_spans(list(attributes), span.line, span.column)
        if tag == ORGANISATIONS:
            raise _Stop(Diagnostic(
                "CP462", N_("{file} is an IATI organisation file (<{tag}>), not an "
                            "activity file", file=self.name, tag=tag), span,
                N_("cappolicy checks activities: give it the publisher's "
                   "activity file (<iati-activities>)")))
        if tag != ACTIVITIES:
            raise _Stop(Diagnostic(
                "CP462", N_("{file} is not an IATI activity file: its root element is "
                            "<{tag}>, not <{root}>", file=self.name, tag=tag, root=ACTIVITIES),
                span, N_("cappolicy reads XML only as IATI activity files")))
        if version is None or not version.strip().startswith("2."):
            where = located.get("version", span)
            found = N_("version {version}", version=version.strip()) if version \
                else N_("no version")
            raise _Stop(Diagnostic(
                "CP463", N_("{file} is IATI {version}; cappolicy reads IATI 2.01 to 2.03",
                            file=self.name, version=found),
                where, N_("IATI 1.x was retired in 2016: ask the publisher for its 2.0x file, "
                          "or convert it with the IATI 1.x to 2.0x upgrade tools")))
        self.header = Header(version.strip(), span, dict(attributes))

    # --- reading -----------------------------------------------------------------------

    def _new_parser(self) -> Any:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.ordered_attributes = False
        # parameter entities and the external subset are never read...
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        # ...and a document type declaration, where every entity is declared, stops reading
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        parser.UnparsedEntityDeclHandler = self._refuse_entity
        parser.ExternalEntityRefHandler = self._refuse_external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        return parser

    def activities(self) -> Iterator[Element | Refused | Diagnostic]:
        """Each activity as it is read, or Refused when it is past its bounds; a
        Diagnostic ends the iteration."""
        self._parser = self._new_parser()
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            yield Diagnostic("CP401", N_("cannot read {file}: {reason}", file=self.name,
                                         reason=str(exc.strerror or exc)),
                             Span(self.name, 1, 1))
            return
        with stream:
            while True:
                try:
                    chunk = stream.read(CHUNK)
                except OSError as exc:
                    yield Diagnostic("CP401", N_("cannot read {file}: {reason}",
                                                 file=self.name,
                                                 reason=str(exc.strerror or exc)),
                                     Span(self.name, 1, 1))
                    return
                # keep the chunk before, for start tags that straddle the two
                keep = self._buffer[-CHUNK:] if len(self._buffer) > CHUNK else self._buffer
                self._base += len(self._buffer) - len(keep)
                self._buffer = keep + chunk
                try:
                    self._parser.Parse(chunk, not chunk)
                except _Stop as stop:
                    yield from self._drain()
                    yield stop.diagnostic
                    return
                except expat.ExpatError as exc:
                    yield from self._drain()
                    yield self._syntax_error(exc)
                    return
                except (LookupError, ValueError) as exc:  # an encoding expat cannot read:
                    yield from self._drain()  # "x-nonsense", Shift JIS, UTF-7
                    yield self._encoding_error(exc)
                    return
                yield from self._drain()
                pending = self._base + len(self._buffer) - self._parser.CurrentByteIndex
                if chunk and pending > MAX_TOKEN:
                    yield self._too_long()
                    return
                if not chunk:
                    break
        if self.header is None:
            yield Diagnostic("CP462", N_("{file} is empty: no <{root}> element",
                                         file=self.name, root=ACTIVITIES),
                             Span(self.name, 1, 1))
        elif not self._read:  # nothing checked is no pass
            yield Diagnostic("CP462", N_("{file} holds no <{element}>: there is nothing to "
                                         "check", file=self.name, element=ACTIVITY),
                             self.header.span,
                             N_("is it cut short, or the wrong file from the publisher?"))

    def _too_long(self) -> Diagnostic:
        """A tag, attribute value, comment or declaration still open after MAX_TOKEN
        bytes: expat reads such a token again from its start with each chunk fed (time
        quadratic in its length) and holds all of it, so reading stops here."""
        line, column = self._here()
        return Diagnostic(
            "CP460", N_("invalid XML: a tag, attribute value or comment longer than {size} "
                        "MiB starts here; IATI's are a few kilobytes",
                        size=MAX_TOKEN // (1024 * 1024)),
            Span(self.name, line, column, line, column + 1),
            N_("is the file cut short inside a tag, or made to exhaust its reader?"))

    def _drain(self) -> Iterator[Element | Refused]:
        ready, self._ready = self._ready, []
        self._read += len(ready)
        yield from ready

    def _encoding_error(self, exc: Exception) -> Diagnostic:
        """The XML declaration names an encoding expat has no decoder for: at its line."""
        declared = _ENCODING.search(self._buffer[:1024])
        name = declared.group(1).decode("ascii") if declared else None
        problem = str(exc) if name is None or name in str(exc) else \
            f"{exc} (the file declares encoding {name!r})"
        return Diagnostic("CP460", N_("invalid XML: {problem}", problem=problem),
                          Span(self.name, 1, 1, 1, 2))

    def _syntax_error(self, exc: expat.ExpatError) -> Diagnostic:
        line = exc.lineno or 1
        column = (exc.offset or 0) + 1
        message = expat.ErrorString(exc.code) if exc.code else str(exc)
        help_ = None
        if "undefined entity" in message:
            help_ = N_("IATI files use only the five XML entities ({entities}) and "
                       "character references", entities="&amp; &lt; &gt; &quot; &apos;")
        elif "no element found" in message:
            help_ = N_("the file ends before its elements are closed: is it cut short?")
        elif "not well-formed" in message or "mismatched tag" in message:
            help_ = N_("the file is not well-formed XML; check the tags at this line")
        return Diagnostic("CP460", N_("invalid XML: {problem}", problem=message),
                          Span(self.name, line, column, line, column + 1), help_)


# --- telling IATI files from other XML ------------------------------------------------

_NAME = re.compile(rb"<([A-Za-z_][-\w.:]*)")
_ENCODING = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_SPACE = re.compile(rb"\s*")


def _root_name(head: bytes, at: int = 0) -> tuple[bytes | None, int]:
    """The root element's name after the prolog: white space, processing instructions,
    comments and a DOCTYPE (internal subset and all: a file that has one is still read as
    IATI, and refused there, where it is located) are skipped. A scan, not a regular
    expression: one that repeats a group of such alternatives backtracks exponentially
    on a few dozen spaces not followed by `<`. Gives (name, -1), or (None, -1) when the
    head does not start as XML does, or (None, where) when the head ends inside the
    prolog: `where` the item it ends in starts, for the caller to read on from there."""
    while True:
        at = _SPACE.match(head, at).end()  # type: ignore[union-attr]
        rest = head[at:at + 16]
        if any(len(rest) < len(item) and item.startswith(rest)
               for item in (b"<?", b"<!--", b"<!DOCTYPE", b"<")):
            return None, at  # cut inside what may start a comment, a DOCTYPE or the root
        for opening, closing in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if head.startswith(opening, at):
                end = head.find(closing, at + len(opening))
                if end < 0:
                    return None, at
                at = end + len(closing)
                break
        else:
            if not head.startswith(b"<!DOCTYPE", at):
                match = _NAME.match(head, at)
                if match is not None and match.end() == len(head):
                    return None, at  # the name may go on
                return (match.group(1) if match else None), -1
            end = _doctype_end(head, at)
            if end < 0:
                return None, at
            at = end


def _doctype_end(head: bytes, at: int) -> int:
    """Where the DOCTYPE at `at` ends (after its `>`), or -1."""
    bracket, close = head.find(b"[", at), head.find(b">", at)
    if close < 0:
        return -1
    if bracket < 0 or close < bracket:
        return close + 1
    end = head.find(b"]", bracket)
    while end >= 0:  # the first `]` followed by white space and `>`
        after = _SPACE.match(head, end + 1).end()  # type: ignore[union-attr]
        if head.startswith(b">", after):
            return after + 1
        end = head.find(b"]", end + 1)
    return -1


#: how far into a file its root element is looked for (white space, comments, processing
#: instructions and a DOCTYPE before it): as far as the reader holds a single token
PROLOG_LIMIT = MAX_TOKEN
#: root_tag's answer for a file whose prolog runs on past PROLOG_LIMIT
UNDECIDED = ""


def root_tag(path: str | Path) -> str | None:
    """The name of the file's root element, read as far as PROLOG_LIMIT (in reads that
    double, keeping only the item of the prolog being read, so each byte is scanned about
    once); None when it cannot be read or does not start as XML does; UNDECIDED when its
    prolog is still going at PROLOG_LIMIT: the reader, which reads it streamed, says
    what it is, rather than the file being left out unsaid."""
    codec = None
    try:
        with open(path, "rb") as stream:
            head = stream.read(CHUNK)
            for bom, name in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                              (b"\xfe\xff", "utf-16-be")):
                if head.startswith(bom):
                    head = head[len(bom):]
                    codec = None if name == "utf-8" else name
                    break
            if codec is not None:
                head = head.decode(codec, "replace").encode("utf-8")
            read, size = len(head), CHUNK
            while True:
                found, at = _root_name(head)
                if at < 0:
                    return found.decode("ascii", "replace") if found is not None else None
                if read >= PROLOG_LIMIT:
                    return UNDECIDED
                size = min(size * 2, PROLOG_LIMIT - read)
                more = stream.read(size)
                if not more:  # the file ends inside its prolog: no root
                    return None
                read += len(more)
                if codec is not None:
                    more = more.decode(codec, "replace").encode("utf-8")
                head = head[at:] + more
    except OSError:
        return None


def is_iati(path: str | Path) -> bool:
    """Whether the file's root is an IATI activity or organisation file's (or is not
    found before PROLOG_LIMIT: then the reader says what the file is)."""
    return root_tag(path) in (ACTIVITIES, ORGANISATIONS, UNDECIDED)
