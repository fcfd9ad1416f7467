"""Deterministic generator of a Sozialplanung data root (landing files), one module per source.

The command line is ``data/generate_sample.py``; its docstring says what the root contains. The
modules, in the order ``generate`` runs them:

- ``common``: time frame, random streams, rounding, German number formats, CSV/XLSX writers
- ``names``: name pools of areas, municipalities, streets, Kitas and providers
- ``geography``: municipalities, areas (Voronoi cells), districts, latent deprivation; GeoJSON
- ``population``: Melderegister population per area and year, Grundsicherung im Alter
- ``bundesagentur``: monthly SGB II and unemployment figures per area
- ``genesis``: the official population count per municipality
- ``zensus``: the Zensus 2022 100 m grid
- ``providers``: the providers and which of them carries which defect
- ``facilities``: the providers' facility inventories
- ``measures``, ``reports``, ``surveys``: measures, their monthly reports, participant surveys
- ``needs``: the needs survey per area
- ``planning``: settings and the goal system
- ``driver``: ``generate``, which writes a whole root
"""

from .driver import generate

__all__ = ["generate"]
