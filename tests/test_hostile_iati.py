"""IATI files written by a hostile stranger: what they carry must not reach the YAML
written by `import iati` as anything but values, must not pass when they hold nothing,
and must not overwrite a reviewer's work."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main

AS_OF = "2026-01-01"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--as-of", AS_OF] if args[0] == "check" else
                                list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def activity(ident: str = "XA-1-TEST", org: str = "Kenya CIRT") -> str:
    return ("<iati-activity default-currency=\"EUR\">\n"
            f"  <iati-identifier>{ident}</iati-identifier>\n"
            "  <title><narrative>Cyber incident response</narrative></title>\n"
            "  <reporting-org ref=\"GB-GOV-1\" type=\"10\"><narrative>UK</narrative>"
            "</reporting-org>\n"
            "  <participating-org ref=\"GB-GOV-1\" type=\"10\" role=\"1\">"
            "<narrative>UK</narrative></participating-org>\n"
            "  <participating-org ref=\"KE-RCO-1\" type=\"10\" role=\"4\">"
            f"<narrative>{org}</narrative></participating-org>\n"
            "  <recipient-country code=\"KE\" percentage=\"100\"/>\n"
            "  <activity-date type=\"1\" iso-date=\"2027-01-01\"/>\n"
            "  <activity-date type=\"3\" iso-date=\"2029-12-31\"/>\n"
            "</iati-activity>\n")


def iati_file(*activities: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n'
            + "".join(activities) + "</iati-activities>\n")


def outcomes(report: dict) -> dict[str, list[tuple[str, str]]]:  # type: ignore[type-arg]
    return {r["proposal"]: sorted((f["rule"], f["outcome"]) for f in r["findings"])
            for r in report["results"]}


#: an identifier that, written raw into a comment, ends it and starts keys of its own
INJECTED = ("XA-1{brk}waivers: [{{rule: FIN-01, reason: x, approved_by: KE-RCO-1, "
            "expires: 2099-12-31}}]{brk}host_country: FR{brk}#")


def test_no_identifier_can_write_keys_into_the_imported_yaml(tmp_path: Path) -> None:
    # every line break a YAML reader knows: LF, CR, CR LF, NEL, LS, PS
    breaks = ["&#10;", "&#13;", "&#13;&#10;", "&#x85;", "&#x2028;", "&#x2029;"]
    xml = tmp_path / "hostile.xml"
    xml.write_text(iati_file(*(activity(INJECTED.format(brk=b) + str(i))
                               for i, b in enumerate(breaks))), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run("import", "iati", str(xml), "-o", str(out))
    assert code == 0, err
    written = sorted(out.glob("*.yaml"))
    assert len(written) == len(breaks)
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not any(line.startswith(("waivers:", "host_country: FR"))
                       for line in text.splitlines()), text
    _, from_xml, _ = run("check", str(xml), "--format", "json")
    _, from_yaml, _ = run("check", str(out), "--format", "json")
    assert json.loads(from_yaml)["errors"] == []
    assert outcomes(json.loads(from_yaml)) == outcomes(json.loads(from_xml))
    assert all(o != "waived" for found in outcomes(json.loads(from_yaml)).values()
               for _, o in found)


def test_a_file_of_no_activities_is_an_error_not_a_pass(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_text(iati_file(), encoding="utf-8")
    kept = tmp_path / "kept.xml"
    kept.write_text(iati_file(activity("XA-1-KEPT")), encoding="utf-8")
    code, said, err = run("check", str(empty), str(kept), "--format", "json")
    assert code == 2
    report = json.loads(said)
    assert [r["proposal"] for r in report["results"]] == ["XA-1-KEPT"]
    [error] = [d for e in report["errors"] for d in e["diagnostics"]]
    assert (error["code"], error["line"], error["column"]) == ("CP462", 2, 1)
    assert "holds no <iati-activity>" in error["message"]
    code, _, err = run("import", "iati", str(empty), "-o", str(tmp_path / "out"))
    assert code == 2 and "empty.xml:2:1: error[CP462]" in err
    code, _, _ = run("portfolio", str(empty))
    assert code == 2


def test_importing_again_keeps_a_reviewers_completions(tmp_path: Path) -> None:
    xml = tmp_path / "two.xml"
    xml.write_text(iati_file(activity("XA-1-DONE"), activity("XA-1-NEW")), encoding="utf-8")
    out = tmp_path / "out"
    assert run("import", "iati", str(xml), "-o", str(out))[0] == 0
    done = out / "xa-1-done.yaml"
    completed = done.read_text(encoding="utf-8").replace(
        "# sunset:  # not published", "sunset: {date: 2029-12-31}  # not published")
    done.write_text(completed, encoding="utf-8")
    (out / "xa-1-new.yaml").unlink()
    outside = tmp_path / "outside.txt"
    outside.write_text("not cappolicy's\n", encoding="utf-8")
    (out / "xa-1-link.yaml").symlink_to(outside)
    xml.write_text(iati_file(activity("XA-1-DONE"), activity("XA-1-NEW"),
                             activity("XA-1-LINK")), encoding="utf-8")
    code, said, err = run("import", "iati", str(xml), "-o", str(out))
    assert code == 2
    assert f"{done} exists; cappolicy import does not overwrite it" in err
    assert "two.xml:3:1: error[CP422]" in err  # located at the activity in the XML
    assert done.read_text(encoding="utf-8") == completed
    assert (out / "xa-1-link.yaml").is_symlink()
    assert outside.read_text(encoding="utf-8") == "not cappolicy's\n"
    assert (out / "xa-1-new.yaml").is_file()  # the others are still written
    assert "1 activity written" in said


def test_importing_the_same_file_again_is_no_error(tmp_path: Path) -> None:
    xml = tmp_path / "one.xml"
    xml.write_text(iati_file(activity("XA-1-SAME")), encoding="utf-8")
    out = tmp_path / "out"
    assert run("import", "iati", str(xml), "-o", str(out))[0] == 0
    before = (out / "xa-1-same.yaml").read_bytes()
    assert run("import", "iati", str(xml), "-o", str(out))[0] == 0
    assert (out / "xa-1-same.yaml").read_bytes() == before


def test_a_tag_of_megabytes_is_refused_where_it_starts(tmp_path: Path) -> None:
    # expat holds a token whole and reads it again from its start with every chunk fed:
    # a 100 MB attribute value took minutes and hundreds of MB; text is streamed
    huge = activity("XA-1-HUGE").replace('ref="KE-RCO-1"', 'ref="' + "A" * (9 << 20) + '"')
    path = tmp_path / "huge.xml"
    path.write_text(iati_file(activity("XA-1-READ"), huge), encoding="utf-8")
    code, said, _ = run("check", str(path), "--format", "json")
    assert code == 2
    report = json.loads(said)
    assert [r["proposal"] for r in report["results"]] == ["XA-1-READ"]
    [error] = [d for e in report["errors"] for d in e["diagnostics"]]
    assert (error["code"], error["line"], error["column"]) == ("CP460", 18, 3)
    assert "longer than 8 MiB" in error["message"]


def test_a_doctype_is_located_where_it_begins(tmp_path: Path) -> None:
    # expat reports the declaration at its `[` or `>`, which may be lines further on
    path = tmp_path / "ext.xml"
    path.write_text('<?xml version="1.0"?>\r\n<!-- a note -->  <!DOCTYPE iati-activities\r\n'
                    '  SYSTEM "http://127.0.0.1:9/iati.dtd"\r\n>\r\n'
                    + iati_file(activity()).split("\n", 1)[1], encoding="utf-8", newline="")
    code, said, _ = run("check", str(path), "--format", "json")
    assert code == 2
    [error] = [d for e in json.loads(said)["errors"] for d in e["diagnostics"]]
    assert (error["code"], error["line"], error["column"]) == ("CP461", 2, 18)


def test_an_identifier_given_twice_is_said_on_the_second_activity(tmp_path: Path) -> None:
    path = tmp_path / "twice.xml"
    path.write_text(iati_file(activity("XA-1-SAME"), activity("XA-1-SAME")), encoding="utf-8")
    code, said, _ = run("check", str(path), "--format", "json")
    assert code == 1
    first, second = json.loads(said)["results"]
    assert not [w for w in first["warnings"] if w["code"] == "CP466"]
    [warning] = [w for w in second["warnings"] if w["code"] == "CP466"]
    assert warning["line"] == 13 and "activity at line 3" in warning["message"]


def test_the_portfolio_spells_out_what_an_identifier_hides(tmp_path: Path) -> None:
    # a newline would start a row of its own, a bidi override reorder what is read,
    # `<img ...>` load a picture where the Markdown is shown
    path = tmp_path / "hostile.xml"
    path.write_text(iati_file(activity("XA-1&#10;XA-9  KE  pass  0  0  99&#x202e;"),
                              activity("XA-2|&lt;img src=https://x.test/t.png&gt;|")),
                    encoding="utf-8")
    code, text, _ = run("portfolio", str(path))
    assert code == 1
    rows = [line for line in text.splitlines() if line.startswith(str(path))]
    assert len(rows) == 2
    assert "XA-1\\nXA-9  KE  pass  0  0  99\\u202e" in rows[0]
    assert "\u202e" not in text
    code, markdown, _ = run("portfolio", str(path), "--format", "markdown")
    assert "<img" not in markdown and "\u202e" not in markdown
    [row] = [line for line in markdown.splitlines() if "XA-2" in line]
    assert row.count(" | ") == 6  # seven cells: the identifier's | are escaped


def test_the_html_page_draws_each_activity_of_an_iati_file(tmp_path: Path) -> None:
    path = tmp_path / "acts.xml"
    path.write_text(iati_file(activity("XA-1-A", org="First CIRT"),
                              activity("XA-1-B", org="Other CIRT"),
                              activity("XA-1-A", org="Second CIRT")), encoding="utf-8")
    page = tmp_path / "report.html"
    code, _, err = run("check", str(path), "--output", f"html={page}")
    assert code == 1, err
    html = page.read_text(encoding="utf-8")
    assert "could not be read again" not in html
    drawings = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(drawings) == 3
    # the activity the file names twice is drawn from the activity each result is about
    first = [i for i, d in enumerate(drawings) if "First CIRT" in d]
    second = [i for i, d in enumerate(drawings) if "Second CIRT" in d]
    assert len(first) == len(second) == 1 and first != second


@pytest.mark.parametrize("head", [b" " * 40 + b"x", b"<?a?>" * 40 + b"x", b"<!--a-->" * 40 + b"x"],
                         ids=["spaces", "instructions", "comments"])
def test_a_few_bytes_in_a_folder_do_not_hang_the_check(tmp_path: Path, head: bytes) -> None:
    # telling IATI files from other XML in a folder used a regular expression that
    # backtracked exponentially on these: 41 bytes held `check .` for hours. The timeout
    # only stops a hung run; a run that works takes a second or two.
    (tmp_path / "not-iati.xml").write_bytes(head)
    (tmp_path / "act.xml").write_text(iati_file(activity()), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from cappolicy.cli.entry import main; main()",
                           "check", str(tmp_path),
                           "--as-of", AS_OF, "--format", "json"],
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert [r["proposal"] for r in json.loads(done.stdout)["results"]] == ["XA-1-TEST"]


def test_many_unclosed_related_activity_tags_do_not_hang_the_check(tmp_path: Path) -> None:
    # the look for child activities ran, from each `<related-activity` with no `>`, to
    # the end of the megabyte read: half a megabyte of them held the check for hours.
    # The timeout only stops a hung run.
    path = tmp_path / "act.xml"
    path.write_text(iati_file(activity()).replace(
        "<title>", "<!-- " + "<related-activity " * 30000 + "--><title>"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from cappolicy.cli.entry import main; main()",
                           "check", str(path), "--as-of", AS_OF, "--format", "json"],
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert [r["proposal"] for r in json.loads(done.stdout)["results"]] == ["XA-1-TEST"]


def test_the_portfolio_json_holds_no_control_raw_and_gives_the_identifier_back(
        tmp_path: Path) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(iati_file(activity("XA-1&#x202e;&#x85;&#x2028;2")), encoding="utf-8")
    code, text, _ = run("portfolio", str(path), "--format", "json")
    assert code == 1
    assert not re.search("[\x7f-\x9f\u2028\u2029\u202a-\u202e]", text)
    assert [a["id"] for a in json.loads(text)["activities"]] == ["XA-1\u202e\x85\u20282"]


def _wide_tags(copies: int, attributes: int) -> str:
    """A real activity with `copies` tags of `attributes` attributes each, one a line."""
    real = (Path(__file__).resolve().parent / "data" / "iati" /
            "ES_MAEC_IATI_INDONESIA.xml").read_text(encoding="utf-8")
    one = re.search(r"<iati-activity[\s>].*?</iati-activity>", real, re.S)
    assert one is not None
    wide = ("<z " + "\n".join(f'a{k}="v"' for k in range(attributes)) + "/>\n") * copies
    body = one.group(0).replace("<activity-status", wide + "<activity-status", 1)
    return f'<?xml version="1.0"?>\n<iati-activities version="2.01">{body}</iati-activities>\n'


def test_tags_of_thousands_of_attributes_on_as_many_lines_do_not_hang_the_check(
        tmp_path: Path) -> None:
    # each attribute's line was found by reading its tag again from the start: 3.5 MB of
    # such tags took minutes. Read now in a separate process, with a generous guard.
    path = tmp_path / "wide.xml"
    path.write_text(_wide_tags(60, 6000), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom cappolicy.proposal.iati_map import "
         "load_activities\nprint(sum(1 for _ in load_activities(sys.argv[1])))", str(path)],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_attributes_on_many_lines_keep_their_line_and_column(tmp_path: Path) -> None:
    from cappolicy.proposal.iati import ActivityReader

    lines = ["<?xml version=\"1.0\"?>", "<iati-activities version=\"2.03\">",
             "<iati-activity>", "<iati-identifier>A</iati-identifier>",
             "<z   first=\"1\" é=\"ü\"", *(f"  a{k} = 'v{k}'" for k in range(300)),
             "\tlast=\"végé\" b=\"2\"/>", "</iati-activity>", "</iati-activities>"]
    for newline in ("\n", "\r\n", "\r"):
        path = tmp_path / "lines.xml"
        path.write_bytes(newline.join(lines).encode("utf-8"))
        [act] = [a for a in ActivityReader(path).activities() if not hasattr(a, "code")]
        z = act.find("z")  # type: ignore[union-attr]
        assert z is not None
        # where each value starts, found by plain search in the lines written
        def where(line: int, text: str) -> tuple[int, int]:
            return line, lines[line - 1].index(text) + 1

        assert (z.at("first").line, z.at("first").column) == where(5, '1"')
        assert (z.at("é").line, z.at("é").column) == where(5, 'ü"')
        for k in (0, 150, 299):
            column = lines[5 + k].index(f"'v{k}'") + 2
            assert (z.at(f"a{k}").line, z.at(f"a{k}").column) == (6 + k, column)
            assert z.at(f"a{k}").end_column == column + len(f"v{k}")
        assert (z.at("last").line, z.at("last").column) == where(306, 'végé"')
        assert (z.at("b").line, z.at("b").column) == where(306, '2"')
        assert z.at("last").end_column == z.at("last").column + len("végé")


@pytest.mark.parametrize("inside", ["<a/>" * 200_001, "<a>" * 70 + "</a>" * 70,
                                    "<description><narrative>" + "x" * (11 << 20)
                                    + "</narrative></description>"])
def test_an_activity_too_large_to_read_is_refused_alone(tmp_path: Path, inside: str) -> None:
    # one activity of five million elements held 1.8 GB for a 20 MB file (a 40 MB one ran
    # out of memory): an activity is held to a proposal's bounds, refused alone past them,
    # and its elements are not kept once it is
    from cappolicy.proposal.iati import ActivityReader, Refused

    big = activity("XA-1-BIG").replace("</iati-activity>", inside + "</iati-activity>")
    path = tmp_path / "big.xml"
    path.write_text(iati_file(activity("XA-1-BEFORE"), big, activity("XA-1-AFTER")),
                    encoding="utf-8")
    read = list(ActivityReader(path).activities())
    assert [type(item).__name__ for item in read] == ["Element", "Refused", "Element"]
    refused = read[1]
    assert isinstance(refused, Refused) and refused.diagnostic.code == "CP465"
    assert refused.diagnostic.span.line == 13  # its <iati-activity>
    code, said, _ = run("check", str(path), "--format", "json")
    assert code == 2
    report = json.loads(said)
    assert sorted(r["proposal"] for r in report["results"]) == ["XA-1-AFTER", "XA-1-BEFORE"]
    [error] = [d for e in report["errors"] for d in e["diagnostics"]]
    assert (error["code"], error["line"]) == ("CP465", 13)


def test_bidi_controls_from_the_xml_are_spelled_out_in_the_imported_yaml(
        tmp_path: Path) -> None:
    # a right-to-left override in a title reorders what a reviewer reads of the line;
    # the comment spelled it out, the value kept it raw
    xml = tmp_path / "bidi.xml"
    xml.write_text(iati_file(activity("XA-1-BIDI", org="Kenya \u202eTRIC\u202c CIRT")),
                   encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run("import", "iati", str(xml), "-o", str(out))
    assert code == 0, err
    [path] = out.glob("*.yaml")
    text = path.read_text(encoding="utf-8")
    assert "\u202e" not in text and "\u202c" not in text
    assert "\\u202e" in text  # spelled out, and read back as the same value
    _, from_xml, _ = run("check", str(xml), "--format", "json")
    _, from_yaml, _ = run("check", str(out), "--format", "json")
    assert outcomes(json.loads(from_yaml)) == outcomes(json.loads(from_xml))


def test_amounts_that_add_up_past_the_largest_number_leave_the_other_activities(
        tmp_path: Path) -> None:
    # two transactions of 1e308 in one year overflowed the sum: the whole file was one
    # internal error, and `import` stopped with a traceback
    big = ("<transaction><transaction-type code=\"11\"/><value value-date=\"2027-03-01\">"
           "1" + "0" * 308 + ".5</value><provider-org ref=\"GB-GOV-1\"><narrative>UK"
           "</narrative></provider-org></transaction>\n")
    bad = activity("XA-1-BIG").replace("</iati-activity>", big * 2 + "</iati-activity>")
    path = tmp_path / "big.xml"
    path.write_text(iati_file(activity("XA-1-READ"), bad), encoding="utf-8")
    code, said, _ = run("check", str(path), "--format", "json")
    report = json.loads(said)
    assert not report["errors"]
    assert sorted(r["proposal"] for r in report["results"]) == ["XA-1-BIG", "XA-1-READ"]
    [result] = [r for r in report["results"] if r["proposal"] == "XA-1-BIG"]
    warned = [w for w in result["warnings"] if w["code"] == "CP466"]
    assert warned and "not an amount cappolicy can add up" in warned[0]["message"]
    out = tmp_path / "out"
    code, _, err = run("import", "iati", str(path), "-o", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["xa-1-big.yaml", "xa-1-read.yaml"]


@pytest.mark.parametrize("encoding", ["x-nonsense", "shift_jis", "UTF-7"])
def test_an_encoding_the_parser_cannot_read_is_bad_input_at_its_line(
        tmp_path: Path, encoding: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(iati_file(activity("XA-1-ENC")).replace(
        'encoding="UTF-8"', f'encoding="{encoding}"').encode("ascii"))
    good = tmp_path / "good.xml"
    good.write_text(iati_file(activity("XA-1-GOOD")), encoding="utf-8")
    code, said, _ = run("check", str(bad), str(good), "--format", "json")
    assert code == 2
    report = json.loads(said)
    assert [r["proposal"] for r in report["results"]] == ["XA-1-GOOD"]
    [error] = [d for e in report["errors"] for d in e["diagnostics"]]
    assert (error["code"], error["line"]) == ("CP460", 1)
    assert encoding in error["message"]
    out = tmp_path / "out"
    code, _, err = run("import", "iati", str(bad), str(good), "-o", str(out))
    assert code == 2 and "CP460" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["xa-1-good.yaml"]
