"""Deterministic generator of a Sozialplanung data root (landing files), one module per source.

The command line is ``data/generate_sample.py``; its docstring says what the root contains. The
modules, in the order ``generate`` runs them:

- ``common``: time frame, random streams, rounding, German number formats, CSV/XLSX writers
- ``names``: name pools of areas, municipalities, streets, Kitas and providers
- ``geography``: municipalities, areas (Voronoi cells), districts, latent deprivation; GeoJSON
  (``boundaries``: as a zipped Shapefile)
- ``population``: Melderegister population per area and year, Grundsicherung im Alter
  (``city_population``: as the city's wide export)
- ``bundesagentur``: monthly SGB II and unemployment figures per area (``ba_workbooks``: as the
  BA's AkG workbooks)
- ``genesis``: the official population count per municipality
- ``zensus``: the Zensus 2022 100 m grid
- ``providers``: the providers and which of them carries which defect
- ``facilities``: the providers' facility inventories (``house_coordinates``: the HK-DE file
  for the provider that sends addresses only)
- ``measures``, ``reports``, ``surveys``: measures, their monthly reports, participant surveys
- ``needs``: the needs survey per area
- ``planning``: settings and the goal system
- ``recipes``: the recipes of the real deliveries (the BA one is the shipped preset)
- ``driver``: ``generate``, which writes a whole root
"""

from .driver import generate

__all__ = ["generate"]
