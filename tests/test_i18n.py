"""Vietnamese first, English on request (issue 11, item 4): the CLI, the web desk and the catalogs.

The same failure is read in Vietnamese by default and in English with ``--lang en`` or
``SOHOA_LANG=en``; a page follows the ``lang`` cookie, then ``Accept-Language``; JSON keys
and codes never change. The shipped ``.mo`` must be the compiled ``.po``, and every message in
the code and the templates must have its English translation.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sohoa import i18n
from sohoa.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "sohoa" / "locale" / "en" / "LC_MESSAGES"


def _sohoa(home: Path, *args: str, lang_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOHOA_LANG", "SOHOA_USER")}
    if lang_env is not None:
        env["SOHOA_LANG"] = lang_env
    return subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "--home", str(home), *args],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


# -- the CLI -------------------------------------------------------------------------------------
def test_the_same_error_in_vietnamese_by_default_and_in_english_on_request(tmp_path: Path) -> None:
    home = tmp_path / "h"
    vi = _sohoa(home, "show", "424242")
    assert vi.returncode == 7, vi.stderr
    assert "không có văn bản số 424242" in vi.stderr and "no document" not in vi.stderr

    flag = _sohoa(home, "--lang", "en", "show", "424242")
    env = _sohoa(home, "show", "424242", lang_env="en")
    for run in (flag, env):
        assert run.returncode == 7, run.stderr  # the exit code is the same in every language
        assert "no document with id 424242" in run.stderr and "không có văn bản" not in run.stderr

    overridden = _sohoa(home, "--lang", "vi", "show", "424242", lang_env="en")
    assert "không có văn bản số 424242" in overridden.stderr


def test_an_input_file_refusal_follows_the_language_and_keeps_its_reason_code(tmp_path: Path) -> None:
    empty = tmp_path / "trong.pdf"
    empty.write_bytes(b"")
    home = tmp_path / "h"
    vi = _sohoa(home, "ingest", str(empty), "--unit", "lien-bao", "--json")
    en = _sohoa(home, "--lang", "en", "ingest", str(empty), "--unit", "lien-bao", "--json")
    assert vi.returncode == en.returncode == 3, (vi.stderr, en.stderr)
    import json

    vi_item, en_item = json.loads(vi.stdout)["items"][0], json.loads(en.stdout)["items"][0]
    assert set(vi_item) == set(en_item)
    assert vi_item["status"] == en_item["status"] == "failed"
    assert "tệp rỗng" in vi_item["error"] and "the file is empty" in en_item["error"]


def test_an_unknown_language_is_a_usage_error_that_lists_the_languages(tmp_path: Path) -> None:
    for run in (_sohoa(tmp_path, "--lang", "fr", "list"), _sohoa(tmp_path, "list", lang_env="fr")):
        assert run.returncode == 2, run.stderr
        assert "'vi'" in run.stderr and "'en'" in run.stderr
    with pytest.raises(UsageError) as refused:
        i18n.check_language("fr")
    assert "vi, en" in refused.value.message


def test_help_stays_light_with_the_language_module() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sohoa.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--lang', 'en', '--help']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('babel', 'sqlalchemy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


# -- the small rules -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("fr-FR, en;q=0.5, vi;q=0.4", "en"),
        ("en;q=0.3, vi;q=0.7", "vi"),
        ("en;q=0, fr", None),
        ("de", None),
        ("", None),
    ],
)
def test_accept_language_honours_q_values(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_dates_are_dd_mm_yyyy_with_leading_zeros_in_both_languages() -> None:
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            assert i18n.format_date(date(2024, 6, 3)) == "03/06/2024"
            assert i18n.format_date("2024-01-09") == "09/01/2024"
            assert i18n.format_datetime(datetime(2024, 6, 3, 7, 5)) == "03/06/2024 07:05"


def test_a_lazy_message_is_translated_when_shown() -> None:
    from sohoa.archive.batches import explain

    with i18n.language("vi"):
        assert str(explain("empty").problem) == "Tệp rỗng (0 byte)"
    with i18n.language("en"):
        assert str(explain("empty").problem) == "The file is empty (0 bytes)"
        assert f"{explain('empty').problem}!" == "The file is empty (0 bytes)!"


# -- the web desk ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - tests.desk_support.Desk
    from tests.desk_support import make_desk

    return make_desk(tmp_path_factory.mktemp("i18n-desk") / "home")


@pytest.fixture(scope="module")
def app(desk) -> Iterator[object]:  # noqa: ANN001
    from sohoa.archive.store import open_archive
    from sohoa.web import create_app

    archive = open_archive(desk.home)
    yield create_app(archive)
    archive.close()


def _client(app: object) -> TestClient:
    return TestClient(app, base_url="http://testserver")  # type: ignore[arg-type]


def _html_lang(html: str) -> str:
    start = html.index('<html lang="') + len('<html lang="')
    return html[start : html.index('"', start)]


def test_a_page_is_vietnamese_by_default_and_english_for_an_english_browser(app: object) -> None:
    client = _client(app)
    vi = client.get("/login")
    assert vi.status_code == 200 and _html_lang(vi.text) == "vi"
    assert "Tên đăng nhập" in vi.text and "Login name" not in vi.text
    assert 'href="/lang/en?next=/login"' in vi.text  # the switch names the other language

    en = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _html_lang(en.text) == "en" and en.headers["content-language"] == "en"
    assert "Login name" in en.text and "Tên đăng nhập" not in en.text
    assert 'href="/lang/vi?next=/login"' in en.text


def test_the_switch_sets_a_cookie_that_wins_over_the_browser(app: object) -> None:
    client = _client(app)
    switched = client.get("/lang/en?next=/login", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    assert "lang=en" in switched.headers["set-cookie"]
    page = client.get("/login", headers={"Accept-Language": "vi"})
    assert _html_lang(page.text) == "en" and "Log in" in page.text

    back = client.get("/lang/vi?next=https://evil.example/", follow_redirects=False)
    assert back.headers["location"] == "/"  # no open redirect
    assert _html_lang(client.get("/login", headers={"Accept-Language": "en"}).text) == "vi"
    assert client.get("/lang/fr").status_code == 400


def test_a_logged_in_page_and_its_dates_in_english(app: object, desk) -> None:  # noqa: ANN001
    from tests.desk_support import PASSWORD, csrf_of

    client = _client(app)
    client.cookies.set("lang", "en")
    token = csrf_of(client.get("/login").text)
    done = client.post(
        "/login", data={"name": "root", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    page = client.get(f"/documents/{desk.lien_bao_doc}")
    assert page.status_code == 200 and _html_lang(page.text) == "en"
    assert "Date issued" in page.text and "Ngày ban hành" not in page.text
    assert "Download the original" in page.text
    import re

    stored_on = re.search(r"stored on (\d{2})/(\d{2})/(\d{4})", page.text)
    assert stored_on, "the storing date is shown dd/mm/yyyy"
    client.cookies.set("lang", "vi")
    assert "Ngày ban hành" in client.get(f"/documents/{desk.lien_bao_doc}").text


def test_api_keys_and_codes_are_the_same_in_both_languages(app: object, desk) -> None:  # noqa: ANN001
    client = _client(app)
    bearer = {"Authorization": f"Bearer {desk.tokens['root']}"}
    vi = client.get("/api/search?q=luong", headers=bearer)
    en = client.get("/api/search?q=luong", headers={**bearer, "Accept-Language": "en"})
    assert vi.status_code == en.status_code == 200
    assert vi.json() == en.json()  # results carry no text meant for people

    doc_vi = client.get(f"/api/documents/{desk.lien_bao_doc}", headers=bearer).json()
    doc_en = client.get(
        f"/api/documents/{desk.lien_bao_doc}", headers={**bearer, "Accept-Language": "en"}
    ).json()
    assert set(doc_vi) == set(doc_en) and doc_vi["fields"].keys() == doc_en["fields"].keys()

    missing_vi = client.get("/api/documents/999999", headers=bearer)
    missing_en = client.get("/api/documents/999999", headers={**bearer, "Accept-Language": "en"})
    assert missing_vi.status_code == missing_en.status_code == 404
    assert set(missing_vi.json()) == set(missing_en.json()) == {"error", "message"}
    assert missing_vi.json()["error"] == missing_en.json()["error"] == "not_found"
    assert "không có văn bản" in missing_vi.json()["message"]
    assert "no document" in missing_en.json()["message"]

    nobody = client.get("/api/search?q=x", headers={"Accept-Language": "en"})
    assert nobody.status_code == 401 and nobody.json()["error"] == "unauthorized"
    assert "log in" in nobody.json()["message"]


def test_an_upload_in_english_stores_its_failure_reason_in_english(app: object) -> None:
    """The upload runs in a thread and a process of its own; both keep the uploader's language."""
    import time

    from tests.desk_support import PASSWORD, csrf_of

    client = _client(app)
    client.cookies.set("lang", "en")
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"name": "hoa", "password": PASSWORD, "csrf_token": token})
    token = csrf_of(client.get("/upload").text)
    files = [("files", ("trong-rong.pdf", b"", "application/pdf"))]
    started = client.post("/upload", data={"unit": "lien-bao", "csrf_token": token}, files=files)
    assert started.status_code == 200 and _html_lang(started.text) == "en"
    deadline = time.monotonic() + 180
    while "Digitising:" in (page := client.get("/batches").text) and time.monotonic() < deadline:
        time.sleep(1)
    assert "Done (batch" in page and "0 stored" in page and "1 failed" in page, page
    assert "trong-rong.pdf" in page and "the file is empty" in page and "tệp rỗng" not in page


# -- the catalogs --------------------------------------------------------------------------------
def test_the_shipped_mo_is_the_compiled_po() -> None:
    from babel.messages.mofile import read_mo, write_mo
    from babel.messages.pofile import read_po

    with open(LOCALE / "sohoa.po", "rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    shipped = (LOCALE / "sohoa.mo").read_bytes()
    if compiled.getvalue() != shipped:  # say which messages differ, not just "bytes differ"
        old = {m.id: m.string for m in read_mo(io.BytesIO(shipped)) if m.id}
        new = {m.id: m.string for m in read_mo(io.BytesIO(compiled.getvalue())) if m.id}
        stale = sorted(set(old.items()) ^ set(new.items()))[:5]
        pytest.fail(f"sohoa.mo is out of date: run pybabel compile (see README); e.g. {stale}")
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert not problems, problems  # every %(name)s placeholder kept in the translation


def test_every_message_in_the_code_has_its_english_translation() -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "L_": None, "lazy_gettext": None}
    method_map = [("sohoa/**.py", "python"), ("sohoa/web/templates/**.html", "jinja2.ext:babel_extract")]
    options_map = {"sohoa/web/templates/**.html": {"trimmed": "true"}}
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, filename)
    assert len(found) > 200, "the extractor found the messages"
    with open(LOCALE / "sohoa.po", "rb") as handle:
        catalog = read_po(handle)
    untranslated = {
        msgid: where
        for msgid, where in found.items()
        if not (catalog.get(msgid) and catalog.get(msgid).string)
    }
    assert not untranslated, (
        "messages without an English translation (pybabel extract/update, translate, compile: see README): "
        f"{untranslated}"
    )


def test_no_message_hides_inside_an_f_string() -> None:
    """``f"{_('…')}"`` works at run time but the extractor cannot see it, so it would never be
    translated; keep ``_()`` outside f-strings."""
    import re
    import tokenize

    hidden = []
    for path in sorted((ROOT / "sohoa").rglob("*.py")):
        with open(path, encoding="utf-8") as handle:
            for token in tokenize.generate_tokens(handle.readline):
                text = token.string
                starts_f = token.type == tokenize.STRING and re.match(r"(?i)[rb]*f", text)
                if (starts_f or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1)) and re.search(
                    r"(?<![\w.])(_|L_|gettext|lazy_gettext)\(", text
                ):
                    hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not hidden, hidden
