"""``python -m conum_geo`` runs the CLI."""

from .cli import main

main()
