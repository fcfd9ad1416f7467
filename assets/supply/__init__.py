"""Bestandserfassung and supply gaps (DESIGN §6 Supply, §8 `supply`).

Pure domain code, no Dagster: `coverage` (places per 1,000 of the target group), `accessibility`
(share of the grid population within walking distance of the nearest facility), `gaps` (gap flag,
German reason and ranking by social status), `table.compute_supply` (the `supply` table) and
`maps.supply_map_png` (a PNG per offer type).
"""
