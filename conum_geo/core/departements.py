"""French départements and regions: codes (COG), names, regions, and each one's metric CRS.

Pure Python (the CLI validates ``--dept`` and ``--region`` with it without loading the
libraries). Every territory is computed in its own metric CRS: Lambert-93 (EPSG:2154) for
metropolitan France and Corsica, the official local UTM projection of each overseas
territory (RGAF09, RGFG95, RGR92, RGM04, RGSPM06), never Lambert-93 outside its area.
"""

from __future__ import annotations

from .errors import UnknownDepartementError

#: Département code → name (COG 2026).
DEPARTEMENT_NAMES = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes", "09": "Ariège", "10": "Aube",
    "11": "Aude", "12": "Aveyron", "13": "Bouches-du-Rhône", "14": "Calvados", "15": "Cantal",
    "16": "Charente", "17": "Charente-Maritime", "18": "Cher", "19": "Corrèze", "2A": "Corse-du-Sud",
    "2B": "Haute-Corse", "21": "Côte-d'Or", "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne",
    "25": "Doubs", "26": "Drôme", "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard",
    "31": "Haute-Garonne", "32": "Gers", "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine",
    "36": "Indre", "37": "Indre-et-Loire", "38": "Isère", "39": "Jura", "40": "Landes",
    "41": "Loir-et-Cher", "42": "Loire", "43": "Haute-Loire", "44": "Loire-Atlantique", "45": "Loiret",
    "46": "Lot", "47": "Lot-et-Garonne", "48": "Lozère", "49": "Maine-et-Loire", "50": "Manche",
    "51": "Marne", "52": "Haute-Marne", "53": "Mayenne", "54": "Meurthe-et-Moselle", "55": "Meuse",
    "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord", "60": "Oise", "61": "Orne",
    "62": "Pas-de-Calais", "63": "Puy-de-Dôme", "64": "Pyrénées-Atlantiques", "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales", "67": "Bas-Rhin", "68": "Haut-Rhin", "69": "Rhône", "70": "Haute-Saône",
    "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie", "74": "Haute-Savoie", "75": "Paris",
    "76": "Seine-Maritime", "77": "Seine-et-Marne", "78": "Yvelines", "79": "Deux-Sèvres",
    "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne", "83": "Var", "84": "Vaucluse", "85": "Vendée",
    "86": "Vienne", "87": "Haute-Vienne", "88": "Vosges", "89": "Yonne", "90": "Territoire de Belfort",
    "91": "Essonne", "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis", "94": "Val-de-Marne",
    "95": "Val-d'Oise", "971": "Guadeloupe", "972": "Martinique", "973": "Guyane",
    "974": "La Réunion", "976": "Mayotte",
}
#: Every département code of the COG: 01–95 (20 became 2A/2B), and the five overseas ones.
DEPARTEMENT_CODES = frozenset(DEPARTEMENT_NAMES)
#: Overseas collectivities with communes in the COG, accepted as territories when their
#: registers are given (no embedded commune layer covers them).
COLLECTIVITE_NAMES = {"975": "Saint-Pierre-et-Miquelon", "977": "Saint-Barthélemy", "978": "Saint-Martin"}
TERRITORY_CODES = DEPARTEMENT_CODES | frozenset(COLLECTIVITE_NAMES)

#: Region code (COG) → (name, départements).
REGIONS = {
    "01": ("Guadeloupe", ("971",)),
    "02": ("Martinique", ("972",)),
    "03": ("Guyane", ("973",)),
    "04": ("La Réunion", ("974",)),
    "06": ("Mayotte", ("976",)),
    "11": ("Île-de-France", ("75", "77", "78", "91", "92", "93", "94", "95")),
    "24": ("Centre-Val de Loire", ("18", "28", "36", "37", "41", "45")),
    "27": ("Bourgogne-Franche-Comté", ("21", "25", "39", "58", "70", "71", "89", "90")),
    "28": ("Normandie", ("14", "27", "50", "61", "76")),
    "32": ("Hauts-de-France", ("02", "59", "60", "62", "80")),
    "44": ("Grand Est", ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")),
    "52": ("Pays de la Loire", ("44", "49", "53", "72", "85")),
    "53": ("Bretagne", ("22", "29", "35", "56")),
    "75": ("Nouvelle-Aquitaine", ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87")),
    "76": ("Occitanie", ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")),
    "84": ("Auvergne-Rhône-Alpes", ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74")),
    "93": ("Provence-Alpes-Côte d'Azur", ("04", "05", "06", "13", "83", "84")),
    "94": ("Corse", ("2A", "2B")),
}

#: Metric CRS of the territories outside metropolitan France (official projections).
_OVERSEAS_CRS = {
    "971": "EPSG:5490", "972": "EPSG:5490", "977": "EPSG:5490", "978": "EPSG:5490",  # RGAF09 / UTM 20N
    "973": "EPSG:2972",  # RGFG95 / UTM 22N
    "974": "EPSG:2975",  # RGR92 / UTM 40S
    "976": "EPSG:4471",  # RGM04 / UTM 38S
    "975": "EPSG:4467",  # RGSPM06 / UTM 21N
}
CRS_LAMBERT93 = "EPSG:2154"


def normalise_dept(code: str | int) -> str:
    """The COG code of a département or overseas collectivity (``58``, ``'2a'`` → ``'2A'``,
    ``1`` → ``'01'``); ``UnknownDepartementError`` for anything else."""
    text = str(code).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = f"0{text}"
    if text not in TERRITORY_CODES:
        raise UnknownDepartementError(
            f"département inconnu {code!r} : attendu un code du COG tel que 01, 2A, 58 ou 974")
    return text


def territory_name(dept: str) -> str:
    """The département's (or collectivity's) name."""
    return DEPARTEMENT_NAMES.get(dept) or COLLECTIVITE_NAMES[dept]


def dept_of_commune(code_insee: str) -> str:
    """The territory code of a commune code (``58194`` → ``58``, ``97411`` → ``974``)."""
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


def metric_crs(dept: str) -> str:
    """The metric CRS a territory is computed in."""
    return _OVERSEAS_CRS.get(dept, CRS_LAMBERT93)


def region_depts(region: str) -> tuple[str, ...]:
    """The départements of a region (COG code, ``27`` or ``'27'``)."""
    code = str(region).strip().zfill(2)
    if code not in REGIONS:
        raise UnknownDepartementError(f"région inconnue {region!r} : attendu un code du COG parmi "
                                      f"{', '.join(REGIONS)}")
    return REGIONS[code][1]


def parse_depts(text: str) -> tuple[str, ...]:
    """``"58"``, ``"58,89,21"`` or ``"all"`` (every département) → département codes, sorted."""
    if text.strip().lower() in ("all", "tous", "france"):
        return tuple(sorted(DEPARTEMENT_CODES))
    codes = [normalise_dept(part) for part in text.split(",") if part.strip()]
    if not codes:
        raise UnknownDepartementError(f"aucun département dans {text!r}")
    return tuple(dict.fromkeys(codes))
