"""The archive: SQLAlchemy models, storage of originals and searchable PDFs, batches, units, audit.

It reads what ``sohoa.digitize`` produced and never talks to Tesseract itself.
"""
