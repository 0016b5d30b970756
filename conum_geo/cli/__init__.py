"""The ``conum-geo`` command line: thin commands over the library.

Each command lives in its own module, parses options, calls one library function and
prints. Errors the library raises on purpose become one line and exit code 2.
"""

from __future__ import annotations

import logging

import click

from ..errors import ConumGeoError
from .catchments import catchments
from .compare import compare
from .data import data
from .diff import diff
from .gaps import gaps
from .redeploy import redeploy
from .simulate import simulate


class _Group(click.Group):
    """Turns library errors and OS errors into one-line messages, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConumGeoError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except OSError as exc:
            click.echo(f"Error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="conum-geo")
def cli(verbose: int, quiet: bool) -> None:
    """Couverture territoriale de l'inclusion numérique (conseillers numériques, France services)."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


cli.add_command(gaps)
cli.add_command(data)
cli.add_command(compare)
cli.add_command(redeploy)
cli.add_command(simulate)
cli.add_command(diff)
cli.add_command(catchments)


def main() -> None:
    cli(prog_name="conum-geo")
