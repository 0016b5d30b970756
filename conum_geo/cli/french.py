"""Click's own words in French.

Click writes its usage lines, help headings and parameter errors through ``gettext`` (each of
its modules binds ``_`` at import). ``install()`` points those bindings at a lookup in
``TRANSLATIONS``, so that help, usage and errors read in French; a message not in the table
stays as click wrote it.
"""

from __future__ import annotations

import importlib

#: Click message (its gettext key) → French.
TRANSLATIONS = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "required": "obligatoire",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayer « {command} {option} » pour l'aide.",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Missing option": "option obligatoire manquante",
    "Missing argument": "argument manquant",
    "Missing parameter": "paramètre manquant",
    "Missing parameter: {param_name}": "paramètre manquant : {param_name}",
    "Missing command.": "commande manquante.",
    "No such command {name!r}.": "commande inconnue {name!r}.",
    "No such option {name!r}.": "option inconnue {name!r}.",
    "Option {name!r} does not take a value.": "l'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "l'option {name!r} demande une valeur.",
    "Aborted!": "Interrompu.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n'est pas modifiable.",
    "Choose from:\n\t{choices}": "Choisir parmi :\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} n'est pas {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} n'est pas parmi {choices}.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "integer": "entier",
    "float": "nombre décimal",
}
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")


def translate(message: str) -> str:
    return TRANSLATIONS.get(message, message)


def install() -> None:
    """Make click speak French (module doc); idempotent."""
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
