"""Reading the metadata fields of a result, one module per region of the page.

``header`` (issuer, number, place and date, title, trích yếu), ``signer`` (the signature
block), ``people`` (subject names, personal numbers), ``codes`` (dossier and procedure codes,
validity, drafting unit). The helpers they share sit beside this package in ``digitize``:
``fields_text`` (NFC, folding, page lines), ``fields_dates``, ``fields_names`` (open-vocabulary
names), ``fields_vocab`` (known phrases) and ``fields_context`` (the caller's units and codes).
:func:`sohoa.digitize.metadata.extract_fields` composes them.
"""
