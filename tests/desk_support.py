"""A desk archive for the web tests: real samples ingested (text-layer PDFs: no OCR wait) into
two wards, and a user of each role. Shared by the HTTP and the browser tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import SAMPLES

PASSWORD = "mat-khau-dai-du-10"
#: name -> (role, unit)
USERS = {
    "root": ("admin", None),
    "lan": ("staff", "lien-bao"),
    "hoa": ("clerk", "lien-bao"),
    "quan": ("manager", "lien-bao"),
    "minh": ("clerk", "khai-quang"),
}


def sohoa(
    home: Path, *args: str, user: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``sohoa`` command on ``home``, acting as ``user`` when given."""
    env = {k: v for k, v in os.environ.items() if k != "SOHOA_USER"}
    head = [sys.executable, "-m", "sohoa.cli", "--home", str(home), *(["--as", user] if user else [])]
    return subprocess.run([*head, *args], capture_output=True, text=True, input=stdin, timeout=600, env=env)


@dataclass
class Desk:
    home: Path
    lien_bao_doc: int
    khai_quang_doc: int
    tokens: dict[str, str] = field(default_factory=dict)


def make_desk(home: Path) -> Desk:
    ids = {}
    for sample, unit in (("ks-0001.pdf-text.pdf", "lien-bao"), ("kh-0001.pdf-text.pdf", "khai-quang")):
        done = sohoa(home, "ingest", str(SAMPLES / sample), "--unit", unit, "--json")
        assert done.returncode == 0, done.stderr
        ids[unit] = json.loads(done.stdout)["items"][0]["document_id"]
    desk = Desk(home, ids["lien-bao"], ids["khai-quang"])
    for name, (role, unit) in USERS.items():
        added = sohoa(home, "users", "add", name, "--role", role, *(["--unit", unit] if unit else []),
                      "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
        assert added.returncode == 0, added.stderr
        token = sohoa(home, "users", "token", name)
        assert token.returncode == 0 and re.fullmatch(r"sohoa_[\w-]{40,}\n", token.stdout), token.stdout
        desk.tokens[name] = token.stdout.strip()
    return desk


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)
