"""National runs: every département at once, in-process or on Dask, merged into an atlas.

``jobs`` is what one département computes (the partition function), ``runner`` runs many of
them; the atlas files are written by ``outputs.atlas``.
"""

from .jobs import DeptOutcome, Job, run_departement
from .runner import NationalResult, run_departements

__all__ = ["DeptOutcome", "Job", "run_departement", "NationalResult", "run_departements"]
