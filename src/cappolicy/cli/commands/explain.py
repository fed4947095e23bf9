"""`cappolicy explain RULE`: one rule for the people who apply it, with its source
paragraph, its thresholds and where they come from, and examples that fail and pass it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..options import (color_option, country_code, rulesets_option, sources_folder,
                       sources_option)
from .test import DEFAULT_FOLDER


@click.command("explain")
@click.argument("rule_id", metavar="RULE")
@click.option("--country", metavar="CC", callback=country_code,
              help="Explain the rule as this country's ruleset has it (ISO 3166-1 alpha-2).")
@click.option("--ruleset", "ruleset_ref", metavar="FILE|ID",
              help="Explain the rule as this ruleset has it: a file, a folder or a ruleset id "
                   "(baseline, regional/aec, national/xa).")
@rulesets_option
@sources_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@color_option
def command(rule_id: str, country: str | None, ruleset_ref: str | None,
            extra_roots: tuple[Path, ...], sources: Path | None, seeds_alias: Path | None,
            fmt: str,
            color: bool | None) -> None:
    """Explain RULE: its title and principle, the source paragraph it cites (quoted from
    the cited source documents), its severity and the ruleset layer that set it, every param it
    reads with its value and the layers that set it (and why), its condition, and cases
    of the rule tests that make it fail and pass, run against the ruleset explained.

    The rule is shown as --country's or --ruleset's ruleset has it; without them, as the
    project's country has it (`country` in cappolicy.toml), else as the baseline has it,
    or, for a rule the baseline does not have, as the ruleset that defines it has it.
    Exit code: 0 explained (also a rule the ruleset disables: it says which layer does,
    and why); 2 an unknown rule or ruleset."""
    import attrs

    from ... import __version__
    from ...base.errors import CappolicyError
    from ...render.ruledoc import render_rule_doc, rule_doc_to_json
    from ...rulesets.documentation import describe, find, test_files
    from ...rulesets.testing import Runner
    from ..common import Failure, named_ruleset, rulesets_in_scope, settings_in_force

    if ruleset_ref is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    strict = ruleset_ref is not None or country is not None
    country = country or settings_in_force().country
    try:
        rulesets = rulesets_in_scope(extra_roots)
        if ruleset_ref is not None:
            eff, note = named_ruleset(rulesets, ruleset_ref), None
        else:
            choice = rulesets.for_country(country.upper() if country else None)
            eff = choice.ruleset
            note = choice.note if country else None
        found = find(rulesets, eff, rule_id.strip(), strict=strict)
        if note is not None and found.note is None:
            found = attrs.evolve(found, note=note)
        roots = [*rulesets.catalog.roots, Path(DEFAULT_FOLDER)]
        doc = describe(found, runner=Runner(rulesets), test_files=test_files(roots),
                       sources=sources_folder(sources, seeds_alias))
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    if fmt == "json":
        from ...render.jsontext import dumps

        click.echo(dumps(rule_doc_to_json(doc, __version__)))
        return
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(render_rule_doc(doc, color=use_color), color=use_color)
