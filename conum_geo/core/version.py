"""The version of conum-geo (the package metadata and every output read it here)."""

__version__ = "0.2.0"
