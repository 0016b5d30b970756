"""The ``conum-geo`` command line: thin commands over the library.

Each command lives in its own module, parses options, calls one library function and
prints. Command modules are imported only when their command runs or when help lists them,
and they import the library inside the command, so ``conum-geo --help`` answers at once.
Errors the library raises on purpose become one French line and exit code 2; anything else
(a bug) one line too, exit code 70, and its traceback with ``-vv``.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ..core.errors import ConumGeoError
from ..core.progress import LOGGER as PROGRESS_LOGGER
from .french import install
from .options import say

install()  # click's own messages in French

#: Exit code of an unexpected error (``EX_SOFTWARE`` of sysexits.h); a user's error is 2.
INTERNAL_ERROR = 70
#: Command name → module of this package defining a command of that name.
COMMANDS = {
    "gaps": "gaps", "simulate": "simulate", "diff": "diff", "compare": "compare",
    "redeploy": "redeploy", "catchments": "catchments", "timeline": "timeline", "report": "report",
    "nearest": "nearest", "data": "data",
}


class LazyGroup(click.Group):
    """Loads each command's module on demand; library and OS errors become one line."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f".{COMMANDS[cmd_name]}", __name__)
        return getattr(module, cmd_name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Every error a user can cause is one French line on stderr and exit code 2 (usage
        errors included: no usage block, ``--help`` shows it)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            say(f"Erreur : {exc.format_message()}", err=True)
            sys.exit(2)
        except ConumGeoError as exc:
            say(f"Erreur : {exc}", err=True)
            sys.exit(2)
        except OSError as exc:
            say(f"Erreur : {exc.filename or ''} : {exc.strerror or exc}", err=True)
            sys.exit(2)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            say("Interrompu.", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug, not the user's input: one line, the trace with -vv
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            say(f"Erreur interne ({exc.__class__.__name__} : {' '.join(str(exc).split())}) : relancer avec "
                "-vv pour la trace, et la signaler aux mainteneurs de conum-geo", err=True)
            sys.exit(INTERNAL_ERROR)
        sys.exit(0)


class TerminalFormatter(logging.Formatter):
    """Log lines with what a terminal would obey shown as codes (``outputs.text.terminal_text``)."""

    def format(self, record: logging.LogRecord) -> str:
        from ..outputs.text import terminal_text

        return terminal_text(super().format(record))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Plus de messages (-vv pour le débogage).")
@click.option("-q", "--quiet", is_flag=True, help="Seulement les erreurs.")
@click.option("--strict", is_flag=True,
              help="Tout avertissement (fichier ignoré, valeur remplie, commune laissée de côté…) devient une "
                   "erreur : rien n'est écrit, code de sortie 2.")
@click.version_option(package_name="conum-geo")
@click.pass_context
def cli(ctx, verbose: int, quiet: bool, strict: bool) -> None:
    """Couverture territoriale de l'inclusion numérique (conseillers numériques, France services)."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler()
    handler.setFormatter(TerminalFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    # progress lines when stderr is not a terminal (a bar when it is): time-stamped, unless -q
    lines = logging.getLogger(PROGRESS_LOGGER)
    lines.handlers[:] = []
    if not quiet:
        progress_handler = logging.StreamHandler()
        progress_handler.setFormatter(TerminalFormatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
        lines.addHandler(progress_handler)
        lines.setLevel(logging.INFO)
        lines.propagate = False
    else:
        lines.setLevel(logging.NOTSET)
        lines.propagate = True
    ctx.obj = {"strict": strict}


def main() -> None:
    cli(prog_name="conum-geo")
