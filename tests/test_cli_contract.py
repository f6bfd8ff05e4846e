"""The JSON shapes other tools and checks rely on, through the real ``sohoa`` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def sohoa(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOHOA, "--home", str(home), *args], capture_output=True, text=True, timeout=600)


def test_ingest_show_list_json(tmp_path: Path) -> None:
    scan = sorted(SAMPLES.glob("*.clean-300.png"))[0]
    truth = json.loads(scan.with_suffix(".json").read_text(encoding="utf-8"))
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(scan, folder / scan.name)
    (folder / "ghi-chu.txt").write_text("not a scan", encoding="utf-8")  # skipped, not failed

    run = sohoa(tmp_path / "h", "ingest", str(folder), "--unit", "UBND phường Khai Quang", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) == {"batch", "items"}
    [item] = out["items"]
    assert set(item) == {"path", "status", "document_id", "pages", "error"}
    assert item["status"] == "stored" and item["pages"] == 1 and item["error"] is None

    show = sohoa(tmp_path / "h", "show", str(item["document_id"]), "--json")
    assert show.returncode == 0, show.stderr
    doc = json.loads(show.stdout)
    for key in ("id", "sha256", "source_name", "unit", "pages", "status", "text", "created_at", "fields"):
        assert key in doc
    assert doc["unit"] == "Phường Khai Quang"
    assert doc["source_name"].endswith(scan.name)
    number = truth["fields"]["number"]
    assert number.split("/")[0] in doc["text"]
    assert len(doc["sha256"]) == 64

    # the stored original is byte-identical and read-only; the searchable PDF carries the text
    original = (tmp_path / "h" / "originals").rglob(f"{doc['sha256']}*")
    [stored] = list(original)
    assert stored.read_bytes() == scan.read_bytes()
    assert stored.stat().st_mode & 0o222 == 0  # no write bit for anyone
    import pdfplumber

    with pdfplumber.open(tmp_path / "h" / doc["pdf"]) as pdf:
        layer = pdf.pages[0].extract_text() or ""
        assert pdf.pages[0].images, "the page image is in the PDF"
    assert number.split("/")[0] in layer

    listed = sohoa(tmp_path / "h", "list", "--unit", "khai quang", "--json")
    assert [d["id"] for d in json.loads(listed.stdout)] == [item["document_id"]]
    other = sohoa(tmp_path / "h", "list", "--unit", "Phường Tích Sơn", "--json")
    assert json.loads(other.stdout) == []


def test_errors_have_codes_and_messages(tmp_path: Path) -> None:
    missing = sohoa(tmp_path / "h", "show", "999", "--json")
    assert missing.returncode == 7 and "không có văn bản số 999" in missing.stderr
    bad_unit = sohoa(tmp_path / "h", "ingest", str(tmp_path), "--unit", "Phường Không Có")
    assert bad_unit.returncode == 8 and "không có đơn vị" in bad_unit.stderr
    usage = sohoa(tmp_path / "h", "ingest", str(tmp_path))
    assert usage.returncode == 2


def test_help_lists_every_command_without_loading_the_archive() -> None:
    """``sohoa --help`` names every command with its own help line, and imports neither the
    database layer nor a search engine (so it answers at once on a clerk's machine)."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sohoa.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = ('sqlalchemy', 'alembic', 'tantivy', 'whoosh')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(result.output)\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.rstrip().endswith("HEAVY []"), out.splitlines()[-1]
    from sohoa import i18n
    from sohoa.cli import COMMANDS, cli

    ctx = click.Context(cli)
    for name, (_target, help_line) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert f"  {name} " in out, name
        for lang in i18n.LANGUAGES:  # the table line is the command's first sentence in every language
            with i18n.language(lang):
                assert command.get_short_help_str(limit=300) == i18n.gettext(help_line), (name, lang)
    with i18n.language("en"):
        assert cli.get_command(ctx, "ingest").get_short_help_str(limit=300) != COMMANDS["ingest"][1]


def test_help_is_vietnamese_by_default_and_english_on_request() -> None:
    """``sohoa --help`` and a command's help read in Vietnamese; English with --lang en or SOHOA_LANG=en."""

    def helps(*args: str, lang: str | None = None) -> str:
        env = {k: v for k, v in os.environ.items() if k != "SOHOA_LANG"}
        if lang:
            env["SOHOA_LANG"] = lang
        run = subprocess.run([*SOHOA, *args], capture_output=True, text=True, timeout=120, env=env)
        assert run.returncode == 0, run.stderr
        return " ".join(run.stdout.split())  # the words, whatever the terminal's wrapping

    top = helps("--help")
    assert "Cách dùng: sohoa" in top and "Tùy chọn:" in top and "Lệnh:" in top
    assert "Ngôn ngữ thông báo" in top and "Giữ chỉ mục tìm kiếm khớp với kho." in top
    assert "Commands:" not in top and "Keep the search index" not in top
    ingest = helps("ingest", "--help")
    assert "Lưu trữ các tệp và thư mục quét" in ingest and "Chạy lại đúng lệnh đó để làm tiếp." in ingest
    assert "Đơn vị sở hữu kết quả" in ingest and "Hiện hướng dẫn này rồi thoát." in ingest
    assert "Archive scanned files" not in ingest

    for english_top, english_ingest in (
        (helps("--lang", "en", "--help"), helps("--lang", "en", "ingest", "--help")),
        (helps("--help", lang="en"), helps("ingest", "--help", lang="en")),
    ):
        assert "Usage: sohoa" in english_top and "Commands:" in english_top
        assert "Language of messages: vi (default) or en" in english_top
        assert "Keep the search index in step with the archive." in english_top
        assert "Lệnh:" not in english_top and "Giữ chỉ mục" not in english_top
        assert "Archive scanned files and folders (recursively): OCR, store, index." in english_ingest
        assert (
            "Unit the results belong to" in english_ingest and "Show this message and exit." in english_ingest
        )
        assert "Lưu trữ các tệp" not in english_ingest
    # --lang on the command line wins over SOHOA_LANG
    assert "Lưu trữ các tệp" in helps("--lang", "vi", "ingest", "--help", lang="en")
