"""Options of the commands that say what options cost (``compare``, ``gaps``, ``redeploy``)."""

from __future__ import annotations

import click

from .options import apply_options

#: ``--financement`` value → ``core.costs.FUNDING`` key.
FUNDING_CHOICES = {"initial": "initial", "renouvellement": "renewal"}

COST_OPTIONS = {
    "costs_path": click.option(
        "--costs", "costs_path", type=click.Path(dir_okay=False), default=None,
        help="Table de coûts TOML (défaut : les chiffres du dispositif, avec leurs sources ; "
             "même format que conum_geo/data/costs/programme-2021.toml)."),
    "funding": click.option(
        "--financement", "funding", type=click.Choice(list(FUNDING_CHOICES)), default="initial",
        show_default=True,
        help="Subvention de l'État : initiale (24 mois) ou renouvellement 2023 (dégressif, bonification QPV/ZRR)."),
}

cost_options = apply_options(COST_OPTIONS)


def costs_from(options: dict):
    """``(CostTable, funding, remaining options)`` from the given option values."""
    from ..data.cost_files import load_costs

    rest = {k: v for k, v in options.items() if k not in COST_OPTIONS}
    return load_costs(options.get("costs_path")), FUNDING_CHOICES[options.get("funding") or "initial"], rest
