"""Fixtures for the client suites: the running example server (see harness.py)."""

from harness import endpoint  # noqa: F401  (a pytest fixture)
