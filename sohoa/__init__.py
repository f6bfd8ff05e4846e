"""sohoa: turn the paper results of Vietnamese administrative procedures into a searchable archive.

The package is split the way data flows: ``digitize`` (file -> pages -> text, layout,
confidence, metadata; no database, no index) -> ``archive`` (models, storage of originals,
batches, reports) -> ``search`` (index and queries over plain entries). ``cli`` is a thin shell.
"""

__version__ = "0.1.0"
