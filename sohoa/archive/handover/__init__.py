"""Handing the archive over: PDF/A conversion of stored PDFs, BagIt export and import.

Records outlive systems: a unit hands a year of results to the city's archive, a city moves to
a new server. ``pdfa`` brings an existing archive's searchable PDFs to PDF/A-2b (audited
replacements), ``export`` packs documents as a BagIt bag with TT 05/2025 metadata, and
``bag_import`` restores such a bag into another archive bit for bit.
"""
