"""IATI activity files (iati.py, iati_map.py, iati_check.py): real files nobody here
wrote, checked activity by activity and located in the XML; hostile and broken XML
refused with a located message, the other files and activities still checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cappolicy.cli.main import main
from cappolicy.proposal.iati import ActivityReader, Element
from cappolicy.proposal.iati_map import load_activities
from cappolicy.proposal.model import Proposal

DATA = Path(__file__).resolve().parent / "data" / "iati"
REAL = sorted(DATA.glob("*.xml"))
SPAIN = DATA / "ES_MAEC_IATI_INDONESIA.xml"
AS_OF = "2026-01-01"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--as-of", AS_OF] if args[0] == "check" else
                                list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def identifiers(path: Path) -> list[tuple[str, int]]:
    """Each activity's identifier and the line its <iati-activity> starts on, read with
    plain text search, not with the reader under test."""
    text = path.read_text(encoding="utf-8")
    found = []
    for m in re.finditer(r"<iati-activity[\s>].*?<iati-identifier>\s*([^<\s]+)", text, re.S):
        found.append((m.group(1), text.count("\n", 0, m.start()) + 1))
    return found


def activity(body: str = "", ident: str = "XA-1-TEST") -> str:
    return (f"<iati-activity default-currency=\"EUR\">\n"
            f"  <iati-identifier>{ident}</iati-identifier>\n"
            "  <title><narrative>Cyber incident response</narrative></title>\n"
            "  <recipient-country code=\"KE\" percentage=\"100\"/>\n"
            "  <activity-date type=\"1\" iso-date=\"2027-01-01\"/>\n"
            "  <activity-date type=\"3\" iso-date=\"2029-12-31\"/>\n"
            f"{body}</iati-activity>\n")


def iati_file(*activities: str, version: str = "2.03") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="{version}">\n'
            + "".join(activities) + "</iati-activities>\n")


# --- the real files --------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_every_activity_of_a_real_file_is_reported_located_in_the_xml(path: Path) -> None:
    code, out, err = run("check", str(path), "--format", "json")
    assert code in (0, 1), err
    report = json.loads(out)
    expected = identifiers(path)
    got = {r["proposal"]: r for r in report["results"]}
    assert sorted(got) == sorted(i for i, _ in expected)
    assert len(got) == len(expected)
    lines = dict(expected)
    starts = sorted(lines.values())
    for ident, result in got.items():
        assert result["file"] == str(path)
        assert result["findings"]
        following = [n for n in starts if n > lines[ident]]
        for f in result["findings"]:  # located in the XML, inside its own activity
            assert f.get("span_file", f.get("file", result["file"])) == str(path)
            assert lines[ident] <= f["line"] < (following[0] if following else 10**9)


def test_the_spanish_ict_activities_in_indonesia_have_findings_and_unknowns() -> None:
    code, out, _ = run("check", str(SPAIN))
    assert code == 1
    text = SPAIN.read_text(encoding="utf-8")
    ict = [m.group(1) for m in re.finditer(
        r"<iati-identifier>([^<]+)</iati-identifier>(?:(?!</iati-activity>).)*"
        r'<sector vocabulary="1" code="22040"/>', text, re.S)]
    assert len(ict) == 6
    blocks = out.split("\n== ")
    for ident in ict:
        block = next(b for b in blocks if f"({ident}, host ID)" in b)
        assert re.search(rf"{re.escape(str(SPAIN))}:\d+:\d+: error\[", block)
        assert re.search(rf"{re.escape(str(SPAIN))}:\d+:\d+: unknown\[", block)
        assert "not published in IATI: ask the publisher for" in block
        assert "governance bodies" in block and "a risk assessment" in block
        # a sunset plan and a risk assessment are not in IATI: unknown, not failed
        for rule in ("SUN-01", "RISK-01"):
            assert re.search(rf":\d+:\d+: unknown\[{rule}\]", block)
            assert not re.search(rf":\d+:\d+: error\[{rule}\]", block)
        assert "a sunset and exit plan" in block
    # who evaluates, and how independently, is not in IATI either (docs/iati.md): no
    # activity of any of the three files fails EVAL-01 or EVAL-02 for its absence
    for path in (SPAIN, *SPAIN.parent.glob("*.xml")):
        _, other, _ = run("check", str(path))
        assert not re.search(r":\d+:\d+: \w+\[EVAL-0[12]\][^\n]*\n  message   The evaluator",
                             other)
        assert "who evaluates, and how independently" in other
    assert "across the 83 activities of this file: ask the publisher for" in out


def test_values_point_at_the_attribute_they_came_from() -> None:
    proposal = next(p for p in load_activities(SPAIN) if not isinstance(p, list))
    span = proposal.span_of(("host_country",))
    line = SPAIN.read_text(encoding="utf-8").splitlines()[span.line - 1]
    assert line[span.column - 1:span.end_column - 1] == "ID"
    assert line[:span.column - 1].endswith('<recipient-country code="')


@pytest.mark.parametrize(("fmt", "located"), [
    ("text", "GB-GOV-1_media_5e87f792.xml:28:3: "),
    ("json", '"line": 28,\n          "column": 3,'),
    ("sarif", '"startLine": 28'),
    ("junit", "GB-GOV-1_media_5e87f792.xml:28:3: "),
    ("github", "GB-GOV-1_media_5e87f792.xml,line=28,endLine=28,col=3"),
    ("markdown", "GB-GOV-1_media_5e87f792.xml:28:3`"),
])
def test_every_format_points_into_the_xml(fmt: str, located: str) -> None:
    path = DATA / "GB-GOV-1_media_5e87f792.xml"  # its second activity starts at 28:3
    code, out, _ = run("check", str(path), "--format", fmt)
    assert code == 1
    assert located in out


# --- hardening ----------------------------------------------------------------------------


def test_an_external_entity_is_refused_where_it_is_declared(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE iati-activities [\n'
           f'  <!ENTITY xxe SYSTEM "file://{secret}">\n]>\n'
           '<iati-activities version="2.03">\n'
           + activity("  <description><narrative>&xxe;</narrative></description>\n")
           + "</iati-activities>\n")
    path = tmp_path / "xxe.xml"
    path.write_text(xxe, encoding="utf-8")
    code, out, err = run("check", str(path))
    assert code == 2
    assert "TOP-SECRET-CONTENT" not in out + err
    assert re.search(r"xxe\.xml:2:\d+: error\[CP461\]: .*document type", out + err)


def test_a_billion_laughs_is_refused_before_any_expansion(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)]
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE iati-activities [\n' + "\n".join(entities)
            + "\n]>\n<iati-activities version=\"2.03\">\n"
            + activity("  <description><narrative>&lol9;</narrative></description>\n")
            + "</iati-activities>\n")
    path = tmp_path / "lol.xml"
    path.write_text(bomb, encoding="utf-8")
    code, out, err = run("check", str(path))
    assert code == 2
    assert "lollol" not in out + err
    assert re.search(r"lol\.xml:2:\d+: error\[CP461\]", out + err)


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_lines_are_right_whatever_ends_them(tmp_path: Path, newline: str) -> None:
    text = iati_file(activity(), activity(ident="XA-1-SECOND"))
    lf = tmp_path / "lf.xml"
    lf.write_bytes(text.encode("utf-8"))
    other = tmp_path / "other.xml"
    other.write_bytes(text.replace("\n", newline).encode("utf-8"))

    def spans(path: Path) -> list[tuple[int, int, int, int]]:
        out = []
        for p in load_activities(path):
            assert not isinstance(p, list)
            for key in (("id",), ("host_country",), ("period", "end")):
                s = p.span_of(key)
                out.append((s.line, s.column, s.end_line, s.end_column))
        return out

    assert spans(other) == spans(lf)
    assert spans(lf)[3][0] == 11  # the second activity's identifier, as an editor counts


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code", "where"), [
    (iati_file(activity(), activity(ident="XA-1-TWO"))[:-60], "CP460", ":15:"),
    ("<testsuites><testsuite/></testsuites>\n", "CP462", ":1:1:"),
    ('<iati-organisations version="2.03"><iati-organisation/></iati-organisations>\n',
     "CP462", ":1:1:"),
    (iati_file(activity(), version="1.03"), "CP463", ":2:27:"),
], ids=["broken", "not-iati", "organisation-file", "iati-1"])
def test_a_bad_file_is_a_located_error_and_the_others_are_checked(
        tmp_path: Path, text: str, code: str, where: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(text, encoding="utf-8")
    good = tmp_path / "good.xml"
    good.write_text(iati_file(activity(ident="XA-1-GOOD")), encoding="utf-8")
    exit_code, out, err = run("check", str(bad), str(good))
    assert exit_code == 2
    assert re.search(rf"bad\.xml{where}\d*:? ?error\[{code}\]|bad\.xml{where}.*{code}",
                     out + err), out + err
    assert "(XA-1-GOOD, host KE)" in out
    assert "Traceback" not in out + err


def test_a_broken_file_keeps_the_activities_read_before_the_break(tmp_path: Path) -> None:
    text = iati_file(activity(ident="XA-1-ONE"), activity(ident="XA-1-TWO"))
    bad = tmp_path / "cut.xml"
    bad.write_text(text[:text.index("XA-1-TWO") - 40], encoding="utf-8")
    exit_code, out, err = run("check", str(bad))
    assert exit_code == 2
    assert "(XA-1-ONE, host KE)" in out
    assert "CP460" in out + err


def test_an_activity_without_identifier_is_located_and_the_others_checked(
        tmp_path: Path) -> None:
    nameless = activity().replace("  <iati-identifier>XA-1-TEST</iati-identifier>\n", "")
    path = tmp_path / "nameless.xml"
    path.write_text(iati_file(activity(ident="XA-1-FIRST"), nameless,
                              activity(ident="XA-1-LAST")), encoding="utf-8")
    exit_code, out, err = run("check", str(path))
    assert exit_code == 2
    assert re.search(r"nameless\.xml:10:1: error\[CP464\]", out + err), out + err
    assert "(XA-1-FIRST, host KE)" in out and "(XA-1-LAST, host KE)" in out


def test_a_folder_checks_its_iati_files_and_leaves_other_xml(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text("<testsuites/>\n", encoding="utf-8")
    (tmp_path / "kenya.xml").write_text(iati_file(activity()), encoding="utf-8")
    exit_code, out, err = run("check", str(tmp_path))
    assert exit_code in (0, 1), out + err
    assert "(XA-1-TEST, host KE)" in out
    assert "junit.xml" not in out  # not checked, and said to be skipped, as YAML is
    assert "note: skipped 1 XML file whose root is not <iati-activities> (not IATI " \
        f"activity files): {tmp_path / 'junit.xml'}" in err


def test_the_reader_keeps_no_activity_it_has_handed_on(tmp_path: Path) -> None:
    path = tmp_path / "many.xml"
    path.write_text(iati_file(*(activity(ident=f"XA-1-{i}") for i in range(300))),
                    encoding="utf-8")
    reader = ActivityReader(path)
    seen = 0
    for item in reader.activities():
        assert isinstance(item, Element)
        seen += 1
        assert not reader._stack or reader._stack[0] is not item
        assert len(reader._buffer) <= 2 * 64 * 1024
    assert seen == 300


# --- import -------------------------------------------------------------------------------


def outcomes(report: dict) -> dict[str, list[tuple[str, str, str]]]:  # type: ignore[type-arg]
    return {r["proposal"]: sorted((f["rule"], f["outcome"], f.get("element") or "")
                                  for f in r["findings"]) for r in report["results"]}


def test_checking_the_imported_yaml_gives_the_outcomes_of_the_xml(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    code, said, err = run("import", "iati", *map(str, REAL), "-o", str(out))
    assert code == 0, err
    written = sorted(out.glob("*.yaml"))
    expected = sum(len(identifiers(p)) for p in REAL)
    assert len(written) == expected == 104
    _, xml, _ = run("check", *map(str, REAL), "--format", "json")
    _, yaml, _ = run("check", str(out), "--format", "json")
    from_xml, from_yaml = outcomes(json.loads(xml)), outcomes(json.loads(yaml))
    assert len(from_xml) == expected
    assert from_yaml == from_xml  # every activity of the real files, rule by rule
    assert json.loads(yaml)["errors"] == []


def test_a_proposal_that_claims_iati_says_so_and_only_an_import_s_claim_counts(
        tmp_path: Path) -> None:
    # One line, `x-iati: null`, turned a hand-written proposal's failures for missing
    # clauses into unknowns, and with --allow-unknown into a pass, without a word.
    good = (Path(__file__).resolve().parent.parent / "examples" / "proposals" /
            "xa-cirt-good.yaml").read_text(encoding="utf-8")
    plain = "".join(line for line in good.splitlines(keepends=True)
                    if not line.startswith("sunset:"))  # SUN-01 fails without one
    for name, text in (("plain.yaml", plain), ("null.yaml", plain + "x-iati: null\n"),
                       ("text.yaml", plain + "x-iati: imported\n"),
                       ("claim.yaml", plain + "x-iati: {reporting_org: XM-DAC-7}\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, out, _ = run("check", str(tmp_path), "--format", "json", "--allow-unknown")
    report = json.loads(out)
    by_file = {Path(r["file"]).name: r for r in report["results"]}
    sun = {name: {f["outcome"] for f in r["findings"] if f["rule"] == "SUN-01"}
           for name, r in by_file.items()}
    assert sun["plain.yaml"] == sun["null.yaml"] == sun["text.yaml"] == {"fail"}
    assert sun["claim.yaml"] == {"unknown"}  # as the import of an IATI activity
    warned = {name: [w["code"] for w in r["warnings"]] for name, r in by_file.items()}
    assert "CP468" in warned["claim.yaml"] and "CP412" not in warned["claim.yaml"]
    assert "CP468" not in warned["null.yaml"] and "CP412" in warned["null.yaml"]
    assert code == 1  # the files that claim nothing still fail
    [claim] = [w for w in by_file["claim.yaml"]["warnings"] if w["code"] == "CP468"]
    assert "a clause IATI does not publish is unknown here" in claim["message"]
    assert claim["line"] == len(plain.splitlines()) + 1  # at the claim


def test_an_imported_proposal_says_where_each_value_came_from(tmp_path: Path) -> None:
    run("import", "iati", str(SPAIN), "-o", str(tmp_path))
    text = (tmp_path / "es-dir3-e04585801-009-032085.yaml").read_text(encoding="utf-8")
    xml = SPAIN.read_text(encoding="utf-8").splitlines()
    line = int(re.search(r'^host_country: "ID"  # line (\d+)$', text, re.M).group(1))
    assert '<recipient-country code="ID"' in xml[line - 1]
    assert re.search(r"^# sunset:  # not published in IATI: ask the publisher "
                     r"\(date, handover_to, plan\)$", text, re.M)
    assert re.search(r"^    # country:  # not published in IATI.*; required$", text, re.M)


def test_an_activity_that_cannot_be_imported_is_said_and_the_others_written(
        tmp_path: Path) -> None:
    nameless = activity().replace("  <iati-identifier>XA-1-TEST</iati-identifier>\n", "")
    path = tmp_path / "two.xml"
    path.write_text(iati_file(nameless, activity(ident="XA-1-KEPT")), encoding="utf-8")
    code, _, err = run("import", "iati", str(path), "-o", str(tmp_path / "out"))
    assert code == 2
    assert re.search(r"two\.xml:3:1: error\[CP464\]", err)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["xa-1-kept.yaml"]


# --- portfolio --------------------------------------------------------------------------


def test_the_portfolio_counts_each_activity_once_per_principle() -> None:
    code, out, _ = run("portfolio", str(SPAIN), "--as-of", AS_OF, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["proposals"] == 83 == len(report["activities"])
    for row in report["principles"]:
        assert row["fail"] + row["unknown"] + row["pass"] <= 83
    ict = next(a for a in report["activities"] if a["id"] == "ES-DIR3-E04585801-009-032085")
    assert ict["line"] == 1148 and ict["file"] == str(SPAIN)
    assert ict["fail"] > 0 and ict["unknown"] > 0
    asked = {row["ask_for"]: row["proposals"] for row in report["not_published"]}
    assert asked["governance bodies and their reporting lines"] == 83
    # the same counts as the check's findings, activity by activity
    _, checked, _ = run("check", str(SPAIN), "--format", "json")
    for result in json.loads(checked)["results"]:
        line = next(a for a in report["activities"] if a["id"] == result["proposal"])
        for outcome in ("fail", "unknown"):
            assert line[outcome] == sum(1 for f in result["findings"]
                                        if f["outcome"] == outcome)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_portfolio_reads_as_a_table(fmt: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<iati-activities version='2.03'><iati-activity>", encoding="utf-8")
    code, out, _ = run("portfolio", str(DATA), str(bad), "--as-of", AS_OF, "--format", fmt)
    assert code == 2  # a file that cannot be read, said in the view; the others summed
    assert re.search(r"^\|? ?local-ownership \|? *\d+ \|? *\d+ \|? *\d+", out, re.M)
    assert "GB-1-109616" in out and "NL-1-PPR-24706" in out
    assert "CP460" in out


def test_only_proposals_keeps_iati_files_and_skips_other_xml(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text("<testsuites/>\n", encoding="utf-8")
    kenya = tmp_path / "kenya.xml"
    kenya.write_text(iati_file(activity()), encoding="utf-8")
    code, out, err = run("check", "--only-proposals", str(junit), str(kenya))
    assert code in (0, 1), out + err
    assert "(XA-1-TEST, host KE)" in out and "junit.xml" not in out + err


def test_workers_give_the_report_of_one_process(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from cappolicy.run import check

    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 2)
    for path in REAL:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "cut.xml").write_text(iati_file(activity())[:-19], encoding="utf-8")
    one = CliRunner().invoke(main, ["check", str(tmp_path), "--as-of", AS_OF, "--format", "json"])
    two = CliRunner().invoke(main, ["check", str(tmp_path), "--as-of", AS_OF, "--format", "json",
                                    "-j", "2"])
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout
    assert len(json.loads(two.stdout)["results"]) == 104 + 1


@pytest.mark.parametrize("cut", [1, 40, 41, 100, 333, 1000, 4096, 20000])
def test_any_cut_of_a_real_file_gives_activities_or_a_diagnostic(cut: int,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    raw = SPAIN.read_bytes()
    path.write_bytes(raw[:cut] + raw[-cut // 2:] if cut > 100 else raw[:cut])
    items = list(load_activities(path))  # never an exception
    assert items
    for item in items:
        assert isinstance(item, Proposal) or all(d.code.startswith("CP4") for d in item)
    if cut <= 100:  # the file stops inside its first activity: the break, said last
        assert isinstance(items[-1], list) and items[-1][0].code in ("CP460", "CP462")


def test_a_hostile_file_in_a_folder_is_read_and_refused(tmp_path: Path) -> None:
    (tmp_path / "xxe.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE iati-activities [\n'
        '  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        '<iati-activities version="2.03">' + activity() + "</iati-activities>\n",
        encoding="utf-8")
    code, out, err = run("check", str(tmp_path))
    assert code == 2
    assert re.search(r"xxe\.xml:2:\d+: error\[CP461\]", out + err)


@given(st.binary(max_size=400))
def test_any_bytes_give_activities_or_a_diagnostic(raw: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.xml"
        path.write_bytes(b'<iati-activities version="2.03"><iati-activity>' + raw)
        for item in load_activities(path):
            assert isinstance(item, Proposal) or all(d.code.startswith("CP4") for d in item)


def test_child_activities_in_the_file_become_the_parents_activities(tmp_path: Path) -> None:
    parent = activity('  <related-activity ref="XA-1-CHILD" type="2"/>\n'
                      '  <related-activity ref="XA-1-CHILD" type="2"/>\n'
                      '  <related-activity ref="XA-1-ELSEWHERE" type="2"/>\n',
                      ident="XA-1-PARENT")
    child = activity(ident="XA-1-CHILD")
    path = tmp_path / "family.xml"
    path.write_text(iati_file(parent, child), encoding="utf-8")
    proposals = [p for p in load_activities(path)]
    assert all(isinstance(p, Proposal) for p in proposals)
    first = proposals[0]
    assert isinstance(first, Proposal)
    assert [a["id"] for a in first.data["activities"]] == ["XA-1-CHILD"]
    assert first.span_of(("activities", 0, "id")).line == 9  # the related-activity's ref


def test_a_decommitment_is_netted_and_a_negative_year_left_out(tmp_path: Path) -> None:
    def commitment(amount: str, day: str) -> str:
        return ("  <transaction><transaction-type code=\"2\"/>"
                f"<transaction-date iso-date=\"{day}\"/>"
                f"<value value-date=\"{day}\">{amount}</value></transaction>\n")

    body = ('  <reporting-org ref="XM-DAC-7" type="10"><narrative>NL</narrative></reporting-org>\n'
            + commitment("1000", "2027-02-01") + commitment("-400", "2027-09-01")
            + commitment("-50", "2028-03-01"))
    path = tmp_path / "net.xml"
    path.write_text(iati_file(activity(body)), encoding="utf-8")
    proposal = next(load_activities(path))
    assert isinstance(proposal, Proposal)
    # netted within 2027; 2028 below zero leaves the source's amounts unknown (no by_year:
    # every sum over it is unknown, never a smaller number), what was read kept in x-iati
    assert "by_year" not in proposal.data["funding"]["sources"][0]
    assert proposal.data["x-iati"]["amounts_read"] == {
        "funding.sources[0].by_year": {"2027": 600, "2028": -50}}
    assert any("2028 add up to -50" in w.message for w in proposal.warnings)


@pytest.mark.parametrize(("ref", "country"), [
    ("XM-DAC-7", "NL"),  # a DAC donor as a whole
    ("XM-DAC-1-8", "AT"),  # one of its agencies: the Austrian Development Agency
    ("XM-DAC-41301", None),  # a channel code (FAO): a multilateral body, of no country
    ("XM-DAC-918", None),  # EU Institutions: a DAC member that is no country
    ("XE-EXAMPLE-1", None),  # IATI's prefix for example data
    ("XK-COA-1", "XK"),  # Kosovo's chart of accounts: a country's list
])
def test_an_organisation_s_country_follows_its_registration_agency(
        ref: str, country: str | None, tmp_path: Path) -> None:
    text = (DATA / "NL_XM-DAC-7_example_203_file.xml").read_text(encoding="utf-8")
    path = tmp_path / "one.xml"
    path.write_text(text.replace('"XM-DAC-7"', f'"{ref}"'), encoding="utf-8")
    first = next(p for p in load_activities(path) if isinstance(p, Proposal))
    [org] = [o for o in first.data["organisations"] if o["id"] == ref]
    assert org.get("country") == country


# --- amounts that cannot be used: unknown, never a pass --------------------------------


def _cofinanced(donor_value: str, host_values: tuple[str, ...] = ("<value value-date=\"2027-"
                                                                   "02-15\">100000</value>",)
                ) -> str:
    """An activity in XA whose donor (NL) commits `donor_value` and whose host ministry
    commits the `host_values`, one transaction per line."""
    host = "".join('  <transaction><transaction-type code="11"/>'
                   '<provider-org ref="XA-MOF-1" type="10"><narrative>MoF</narrative>'
                   f"</provider-org>{v}</transaction>\n" for v in host_values)
    return ('<iati-activity default-currency="EUR">\n'
            "  <iati-identifier>XA-1-COFI</iati-identifier>\n"
            "  <title><narrative>Cyber incident response</narrative></title>\n"
            '  <reporting-org ref="XM-DAC-7" type="10"><narrative>NL</narrative>'
            "</reporting-org>\n"
            '  <participating-org ref="XA-MOF-1" type="10" role="4"><narrative>MoF'
            "</narrative></participating-org>\n"
            '  <recipient-country code="XA" percentage="100"/>\n'
            '  <activity-date type="1" iso-date="2027-01-01"/>\n'
            '  <activity-date type="3" iso-date="2029-12-31"/>\n'
            '  <transaction><transaction-type code="2"/><transaction-date iso-date='
            f'"2027-01-15"/>{donor_value}</transaction>\n'
            f"{host}</iati-activity>\n")


@pytest.mark.parametrize(("donor", "host", "said"), [
    # a donor commitment in another currency: the host's 1% looked like all of it
    ('<value currency="USD" value-date="2027-01-15">10000000</value>', None, "in USD"),
    # a host that commits 4M and de-commits 3.9M the next year was credited 4M
    ('<value value-date="2027-01-15">10000000</value>',
     ('<value value-date="2027-02-15">4000000</value>',
      '<value value-date="2028-02-15">-3900000</value>'), "below zero"),
    # a donor commitment of no valid date was dropped without a word
    ('<value value-date="2011-11-31">15450000</value>', None, "which is no date"),
])
def test_funding_that_cannot_be_used_makes_fin_01_unknown_never_pass(
        donor: str, host: tuple[str, ...] | None, said: str, tmp_path: Path) -> None:
    text = iati_file(_cofinanced(donor, *(() if host is None else (host,))))
    path = tmp_path / "cofi.xml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run("check", str(path), "--format", "json")
    report = json.loads(out)
    [result] = report["results"]
    fin = [f for f in result["findings"] if f["rule"] == "FIN-01"]
    assert [f["outcome"] for f in fin] == ["unknown"]
    assert any(m.endswith(".by_year") for m in fin[0]["missing"])
    assert all(f["outcome"] != "pass" for f in result["findings"]
               if f["rule"] in ("BUD-05", "BUD-06") or f["rule"] == "SUN-03" and host is None)
    [warning] = [w for w in result["warnings"] if w["code"] == "CP466"]
    assert said in warning["message"]
    lines = text.splitlines()
    wanted = "currency=" if "USD" in said else "-3900000" if "zero" in said else "2011-11-31"
    assert wanted in lines[warning["line"] - 1]  # located at the value left out
    # the import reproduces it
    out_dir = tmp_path / "imported"
    assert run("import", "iati", str(path), "-o", str(out_dir))[0] == 0
    _, yaml, _ = run("check", str(out_dir), "--format", "json")
    assert outcomes(json.loads(yaml)) == outcomes(report)


def test_a_transaction_of_no_date_is_said_and_leaves_the_sums_unknown(tmp_path: Path) -> None:
    # without its donor commitment's 15.45M (no date at all), the host's 100k was 100%
    text = iati_file(_cofinanced("<value>15450000</value>")).replace(
        '<transaction-date iso-date="2027-01-15"/>', "")
    path = tmp_path / "undated.xml"
    path.write_text(text, encoding="utf-8")
    _, out, _ = run("check", str(path), "--format", "json")
    [result] = json.loads(out)["results"]
    assert [f["outcome"] for f in result["findings"] if f["rule"] == "FIN-01"] == ["unknown"]
    [warning] = [w for w in result["warnings"] if w["code"] == "CP466"]
    assert "no date" in warning["message"]
    assert "<value>15450000" in text.splitlines()[warning["line"] - 1]


def test_gov_02_is_unknown_where_no_reporting_line_is_published() -> None:
    # no loop of reporting lines is found where IATI publishes none: that is no pass
    _, out, _ = run("check", str(SPAIN), "--format", "json")
    gov = [f for r in json.loads(out)["results"] for f in r["findings"] if f["rule"] == "GOV-02"]
    assert gov and all(f["outcome"] == "unknown" for f in gov)
    assert all(f["missing"] == ["governance.relations"] for f in gov)


def test_an_iati_file_whose_root_starts_late_is_read_in_a_folder(tmp_path: Path) -> None:
    # a comment and white space of more than 64 KiB before <iati-activities>: the folder
    # scan dropped the file without a word, and the run passed
    text = iati_file(_cofinanced('<value value-date="2027-01-15">15450000</value>'))
    head, root = text.split("<iati-activities", 1)
    (tmp_path / "late.xml").write_text(
        head + "<!-- " + "x" * 100_000 + " -->\n" + " " * 70_000 + "<iati-activities" + root,
        encoding="utf-8")
    code, out, _ = run("check", str(tmp_path), "--format", "json")
    report = json.loads(out)
    assert [r["proposal"] for r in report["results"]] == ["XA-1-COFI"]
    assert code == 1  # FIN-01 fails: 100k of 15.55M


def test_a_rule_over_several_kinds_of_relation_none_published_is_unknown() -> None:
    """GOV-03 walks oversight and reporting lines (`edges(kind: {oversees, reports_to})`):
    an IATI activity publishes neither, so finding none says nothing about the programme."""
    _, out, _ = run("check", str(SPAIN), "--as-of", AS_OF, "--format", "json")
    gov03 = [f for r in json.loads(out)["results"] for f in r["findings"]
             if f["rule"] == "GOV-03"]
    assert gov03 and {f["outcome"] for f in gov03} == {"unknown"}
