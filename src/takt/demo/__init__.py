"""Realistic, seeded demo data in the import file formats (see :mod:`takt.demo.generator`)."""

from takt.demo.generator import DemoConfig, generate, iter_chunks

__all__ = ["DemoConfig", "generate", "iter_chunks"]
