"""``conum-geo simulate``: Monte Carlo over renewals, per-commune probability of losing coverage."""

from __future__ import annotations

import click

from ..settings import Settings
from .options import (
    chosen_depts,
    echo_outcome,
    json_option,
    kinds_option,
    load_inputs,
    national_options,
    network_options,
    out_option,
    run_national,
    territory_options,
    threshold_option,
)


def _probabilities(ctx, param, value):
    from ..analysis.simulate import parse_p_nonrenewal
    from ..errors import InputError

    try:
        return parse_p_nonrenewal(value) if value else {}
    except InputError as exc:
        raise click.BadParameter(exc.reason) from None


@click.command()
@national_options
@click.option("--draws", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Nombre de tirages.")
@click.option("--seed", type=int, default=0, show_default=True, help="Graine du générateur aléatoire.")
@click.option("--p-nonrenewal", "p_nonrenewal", callback=_probabilities, default=None,
              metavar="TYPE=P[,TYPE=P]",
              help="Probabilité de non-renouvellement par type d'employeur, ex. departement=1,"
                   "association=0.3 (défaut : enquête employeurs 2023).")
@threshold_option
@kinds_option
@out_option
@json_option
@territory_options
@network_options
def simulate(depts, region, workers, scheduler, draws, seed, p_nonrenewal, threshold_min, kinds, out_dir,
             as_json, **sources):
    """Tirages de renouvellement : probabilité de perdre la couverture par commune."""
    depts = chosen_depts(depts, region)
    settings = Settings().with_overrides(threshold_min=threshold_min, kinds=kinds)
    if len(depts) > 1 or region is not None:
        run_national("simulate", depts, sources, out_dir, as_json, workers=workers, scheduler=scheduler,
                     settings=settings, draws=draws, seed=seed, p_nonrenewal=p_nonrenewal or None)
        return
    from ..analysis.simulate import simulate_renewals
    from ..outputs.reports import format_simulation, write_simulation
    from ..outputs.summary import full_summary

    territory, graph = load_inputs(depts[0], sources)
    result = simulate_renewals(territory, graph, settings=settings, draws=draws, seed=seed,
                               p_nonrenewal=p_nonrenewal)
    written = write_simulation(result, out_dir) if out_dir else None
    echo_outcome(full_summary(result), format_simulation(result), written, as_json)
