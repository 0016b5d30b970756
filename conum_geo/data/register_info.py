"""What the registers hold for a département: counts per kind, dates, posts, warnings."""

from __future__ import annotations

from ..core.errors import InputError
from ..core.territory import Territory
from ..core.vocabulary import SITE_KINDS
from .registers.formats import KINDS
from .registers.resolve import RegisterSet
from .territory import load_national


def registers_info(dept: str, data_dir=None, **options) -> dict:
    """Read the registers (``load_territory``'s keywords) and describe them (``describe``)."""
    inputs = load_national(data_dir, **options)
    if inputs.registers is None:
        raise InputError("aucun registre donné : passer --data-dir DOSSIER ou des fichiers")
    return describe(inputs.registers, inputs.territory(dept))


def _sites(territory: Territory) -> dict:
    sites = territory.sites
    out = {}
    for kind in SITE_KINDS:
        of_kind = sites.loc[sites["kind"] == kind]
        if of_kind.empty:
            continue
        out[kind] = {
            "in_dept": int(of_kind["in_dept"].sum()),
            "near_border": int((~of_kind["in_dept"]).sum()),
            "presence_h_known": int((~of_kind["presence_h_filled"].astype(bool)).sum()),
            "itinerant": int(of_kind["itinerant"].sum()),
            "as_of": [str(of_kind["as_of"].min()), str(of_kind["as_of"].max())],
        }
    return out


def _conseillers(territory: Territory) -> dict:
    links = territory.post_sites.merge(territory.sites[["site_id", "in_dept"]], on="site_id")
    in_dept = links.loc[links["in_dept"]]
    models = territory.posts["model"].value_counts()
    return {
        "links_in_dept": int(len(in_dept)),
        "posts_in_dept": int(in_dept["post_id"].nunique()),
        "posts_in_territory": int(len(territory.posts)),
        "models": {str(k): int(v) for k, v in models.items()},
    }


def _structures(territory: Territory) -> dict:
    structures = territory.structures
    if structures.empty:
        return {}
    in_dept = structures.loc[structures["in_dept"].fillna(False).astype(bool)]
    declared = in_dept["n_posts_declared"].fillna(0) if "n_posts_declared" in in_dept else [0]
    return {
        "in_dept": int(len(in_dept)),
        "posts_declared_in_dept": int(sum(declared)),
        "posts_observed_in_dept": int(in_dept["n_posts"].sum()),
        "names_in_dept": {row["nom"]: row["structure_type"] for _, row in in_dept.iterrows()},
        "employers_unmatched": int((structures.get("type_source") != "liste des structures").sum()),
        "employers_unknown": int((structures["structure_type"] == "inconnu").sum()),
    }


def describe(registers: RegisterSet, territory: Territory) -> dict:
    """JSON-ready description of the registers and of the territory they make."""
    communes = territory.communes
    commune_info = {"count": int(len(communes)), "population": int(communes["population"].sum())}
    if "fragility" in communes:
        commune_info["with_fragility"] = int(communes["fragility"].notna().sum())
    if "density_level" in communes:
        commune_info["with_density_level"] = int(communes["density_level"].notna().sum())
    if "n_qpv" in communes:
        commune_info["qpv"] = int(communes["n_qpv"].sum())
    return {
        "dept": territory.dept,
        "files": [{"kind": r.kind, "description": KINDS[r.kind], "path": str(r.path),
                   "rows": int(len(r.frame)), "as_of": r.as_of} for r in registers.all()],
        "communes": commune_info,
        "sites": _sites(territory),
        "conseillers": _conseillers(territory) if registers.conum_lieux is not None else {},
        "structures": _structures(territory),
        "sources": list(territory.sources),
        "warnings": [n.as_dict() for n in territory.warnings],
    }


def format_info(info: dict, max_warnings: int = 15) -> str:
    """French terminal summary of ``describe``'s output."""
    lines = [f"Registres pour le département {info['dept']}", "", "Fichiers :"]
    for f in info["files"]:
        lines.append(f"  {f['description']:<52} {f['rows']:>7} lignes  ({f['as_of']})  {f['path']}")
    c = info["communes"]
    population = f"{c['population']:,}".replace(",", "\u202f")
    lines += ["", f"Communes : {c['count']}, population {population}"]
    extras = [f"{label} {c[key]}" for key, label in (("with_fragility", "avec indice de fragilité"),
                                                      ("with_density_level", "avec niveau de densité"),
                                                      ("qpv", "QPV"))
              if key in c]
    if extras:
        lines.append("  " + " ; ".join(extras))
    lines.append("Sites (dans le département + à proximité de ses limites) :")
    for kind, s in info["sites"].items():
        lines.append(f"  {SITE_KINDS[kind]:<30} {s['in_dept']:>5} + {s['near_border']:<4} "
                     f"horaires connus {s['presence_h_known']}, itinérants {s['itinerant']}, "
                     f"à jour du {s['as_of'][0]} au {s['as_of'][1]}")
    if info["conseillers"]:
        k = info["conseillers"]
        lines.append(f"Conseillers numériques : {k['posts_in_dept']} conseillers dans les lieux du "
                     f"département ({k['links_in_dept']} rattachements lieu–conseiller) ; "
                     f"{k['posts_in_territory']} postes retenus "
                     f"({', '.join(f'{m} {n}' for m, n in k['models'].items())})")
    if info["structures"]:
        s = info["structures"]
        lines.append(f"Structures employeuses du département : {s['in_dept']} "
                     f"({s['posts_declared_in_dept']} postes attribués, "
                     f"{s['posts_observed_in_dept']} vus dans les lieux) ; "
                     f"employeurs absents de la liste des structures : {s['employers_unmatched']} "
                     f"(dont {s['employers_unknown']} de type inconnu)")
    warnings = info["warnings"]
    if warnings:
        lines += ["", f"Avertissements ({len(warnings)}) :"]
        lines += [f"  - {w['message']}" + (f" (ex. {', '.join(w['examples'])})" if w["examples"] else "") for w in warnings[:max_warnings]]
        if len(warnings) > max_warnings:
            lines.append(f"  … et {len(warnings) - max_warnings} autres (--json pour tout voir)")
    return "\n".join(lines)
