"""`cappolicy schema`: the JSON Schema of proposal format v1, for editors."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("schema")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write to this file instead of standard output.")
def command(output: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of proposal format v1.

    Editors use it to complete field names and enumeration values and to mark
    mistakes as a proposal is typed. With the YAML extension of VS Code (or any
    editor using yaml-language-server), write `cappolicy schema -o
    proposal.schema.json` and put this first line in a proposal:

    \b
        # yaml-language-server: $schema=proposal.schema.json

    The schema checks shapes (required fields, enumerations, dates, the form of
    country, language and currency codes); `cappolicy check` also checks that
    references name declared ids and that codes exist. Exit code: 0 written,
    2 the file cannot be written."""
    import json

    from ...proposal.json_schema import proposal_schema
    from ..options import write_output

    text = json.dumps(proposal_schema(), indent=2, ensure_ascii=False) + "\n"
    write_output(text, output)
