"""The metadata fields of a procedure result: one list for every part of sohoa.

Names follow issue 3 and map onto NĐ 30/2020 Phụ lục VI (TypeName, CodeNumber + CodeNotation,
IssuedDate, OrganName, Subject, Position and FullName of the signer, ...). ``digitize`` fills
them, ``archive`` stores and corrects them, ``search`` indexes them; none of those imports the
others for this, so the list lives here.
"""

from __future__ import annotations

FIELD_NAMES: tuple[str, ...] = (
    "doc_type",
    "title",
    "number",
    "issued_date",
    "issuer",
    "place",
    "summary",
    "signer",
    "signer_title",
    "subject_names",
    "id_numbers",
    "field",
    "dossier_code",
    "procedure_code",
    "valid_until",
)
#: Fields holding several values (people, ID numbers); the others hold one string or None.
LIST_FIELDS: frozenset[str] = frozenset({"subject_names", "id_numbers"})
#: Fields holding an ISO date (YYYY-MM-DD).
DATE_FIELDS: frozenset[str] = frozenset({"issued_date", "valid_until"})
