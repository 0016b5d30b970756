"""``conum-geo simulate``: Monte Carlo over renewals, per-commune probability of losing coverage."""

from __future__ import annotations

import click

from ..core.settings import Settings
from .options import (
    check_strict,
    chosen_depts,
    echo_outcome,
    kinds_option,
    load_inputs,
    national_options,
    run_national,
    run_options,
    table_format,
    threshold_option,
)

#: ``--undecided`` choices (``core.renewal.UNDECIDED``, listed here so help loads nothing).
UNDECIDED_CHOICES = ("split", "renewed", "not-renewed")


def _probabilities(ctx, param, value):
    from ..analysis.simulate import parse_p_nonrenewal
    from ..core.errors import InputError

    try:
        return parse_p_nonrenewal(value) if value else {}
    except InputError as exc:
        raise click.BadParameter(exc.reason) from None


def _draws(ctx, param, value):
    if value == "auto":
        return None
    try:
        draws = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} : un nombre de tirages (≥ 2) ou « auto » attendu") from None
    if draws < 2:
        raise click.BadParameter(f"{value!r} : au moins 2 tirages")
    return draws


def _assumptions(ctx, param, value):
    from ..data.renewal_files import load_assumptions

    return load_assumptions(value) if value else None


@click.command()
@national_options
@click.option("--draws", callback=_draws, default="1000", show_default=True, metavar="N|auto",
              help="Nombre de tirages, ou « auto » : jusqu'à ce que l'erreur type passe sous --tolerance.")
@click.option("--tolerance", type=click.FloatRange(min=0, min_open=True), default=None, metavar="HAB",
              help="Avec --draws auto : erreur type visée sur les habitants perdant la couverture (défaut : "
                   "0,1 % de la population couverte aujourd'hui).")
@click.option("--seed", type=int, default=0, show_default=True, help="Graine du générateur aléatoire.")
@click.option("--undecided", type=click.Choice(UNDECIDED_CHOICES), default="split", show_default=True,
              help="Employeurs indécis (16,2 % dans l'enquête 2023) : la moitié renouvelle (split), tous "
                   "(renewed) ou aucun (not-renewed).")
@click.option("--hypotheses", "assumptions", callback=_assumptions, default=None, metavar="FICHIER",
              help="Hypothèses de renouvellement par type d'employeur (TOML ; défaut : enquête employeurs 2023).")
@click.option("--p-nonrenewal", "p_nonrenewal", callback=_probabilities, default=None,
              metavar="TYPE=P[,TYPE=P]",
              help="Probabilité de non-renouvellement fixée pour certains types, ex. departement=1,"
                   "association=0.3 (remplace l'hypothèse pour ces types).")
@threshold_option
@kinds_option
@run_options
def simulate(depts, region, workers, scheduler, draws, tolerance, seed, undecided, assumptions, p_nonrenewal,
             threshold_min, kinds, out_dir, csv_format, xlsx, as_json, **sources):
    """Tirages de renouvellement : probabilité de perdre la couverture par commune, avec son erreur."""
    if tolerance is not None and draws is not None:
        raise click.UsageError("--tolerance va avec --draws auto")
    depts = chosen_depts(depts, region)
    tables = table_format(csv_format, xlsx)
    settings = Settings().with_overrides(threshold_min=threshold_min, kinds=kinds)
    options = dict(draws=draws, seed=seed, assumptions=assumptions, p_nonrenewal=p_nonrenewal or None,
                   undecided=undecided, tolerance=tolerance)
    if len(depts) > 1 or region is not None:
        run_national("simulate", depts, sources, out_dir, as_json, workers=workers, scheduler=scheduler,
                     settings=settings, tables=tables, **options)
        return
    from ..analysis.simulate import simulate_renewals
    from ..outputs.reports import format_simulation, write_simulation
    from ..outputs.summary import full_summary, result_notices

    territory, graph = load_inputs(depts[0], sources)
    result = simulate_renewals(territory, graph, settings=settings, **options)
    check_strict(result_notices(result))
    written = write_simulation(result, out_dir, tables=tables) if out_dir else None
    echo_outcome(full_summary(result), format_simulation(result), written, as_json)
