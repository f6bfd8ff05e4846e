"""Scan -> pages -> OCR -> text, layout and confidence (and, later, metadata).

No database and no index here: everything returns plain dataclasses from ``model``.
"""
