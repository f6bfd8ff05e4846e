"""The web desk over HTTP (Starlette's TestClient) on a real archive with ingested samples.

Every route is tried as every role and as nobody; the API is compared with the CLI's JSON;
CSRF, login throttling, unit scoping (404 like a missing document) and an upload that runs the
real ingest in the background are checked as a user would notice them.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sohoa.archive import jobs as job_ops
from sohoa.archive.store import open_archive
from sohoa.web import create_app
from tests.conftest import SAMPLES
from tests.desk_support import PASSWORD, USERS, Desk, csrf_of, make_desk, sohoa


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return make_desk(tmp_path_factory.mktemp("desk") / "home")


@pytest.fixture(scope="module")
def app(desk: Desk) -> Iterator[object]:
    archive = open_archive(desk.home)
    yield create_app(archive)
    archive.close()


def _client(app: object) -> TestClient:
    return TestClient(app, base_url="http://testserver")  # type: ignore[arg-type]


def logged_in(app: object, name: str) -> TestClient:
    client = _client(app)
    token = csrf_of(client.get("/login").text)
    done = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    return client


def _routes(desk: Desk) -> dict[str, set[str]]:
    """GET route -> roles allowed (others get 403, nobody 401)."""
    doc = desk.lien_bao_doc
    everyone = {"admin", "staff", "clerk", "manager"}
    return {
        "/search?q=luong": everyone,
        f"/documents/{doc}": everyone,
        f"/documents/{doc}/print": everyone,
        f"/documents/{doc}/pages/1.png": everyone,
        f"/documents/{doc}/pdf": {"admin", "staff"},
        f"/documents/{doc}/original": {"admin", "staff"},
        "/review": {"admin", "clerk"},
        f"/review/{doc}": {"admin", "clerk"},
        "/upload": {"admin", "clerk"},
        "/batches": {"admin", "clerk"},
        "/dashboard?period=2024": {"admin", "manager"},
        "/dashboard/export.csv?period=2024": {"admin", "manager"},
        "/dashboard/export.xlsx?period=2024": {"admin", "manager"},
        "/dashboard/export.html?period=2024": {"admin", "manager"},
        "/audit": {"admin"},
        "/api/search?q=luong": everyone,
        f"/api/documents/{doc}": everyone,
        "/api/report?period=2024": {"admin", "manager"},
        "/api/batches": {"admin", "clerk"},
        "/api/jobs": {"admin", "clerk"},
        "/api/units?q=lien": everyone,
    }


def test_every_route_as_every_role_and_as_nobody(app: object, desk: Desk) -> None:
    routes = _routes(desk)
    nobody = _client(app)
    for path in routes:
        answer = nobody.get(path)
        assert answer.status_code == 401, path
        if path.startswith("/api/"):
            assert answer.json()["error"] == "unauthorized"
        else:
            assert "Đăng nhập" in answer.text
    for name, (role, _unit) in USERS.items():
        if name == "minh":
            continue  # the same role as hoa; minh's ward is tried in the scoping test
        client = logged_in(app, name)
        for path, allowed in routes.items():
            answer = client.get(path)
            expected = 200 if role in allowed else 403
            assert answer.status_code == expected, (name, path, answer.text[:300])
            if expected == 403 and not path.startswith("/api/"):
                assert "Không có quyền" in answer.text and 'lang="vi"' in answer.text
    for method, path in (("post", "/logout"), ("post", f"/review/{desk.lien_bao_doc}"), ("post", "/upload")):
        assert getattr(nobody, method)(path, data={}).status_code in (400, 401), path


def test_api_answers_exactly_what_the_cli_prints(app: object, desk: Desk) -> None:
    client = _client(app)
    bearer = {"Authorization": f"Bearer {desk.tokens['lan']}"}
    api = client.get("/api/search", params={"q": "nguyen tien luong", "limit": 5}, headers=bearer).json()
    cli = json.loads(
        sohoa(desk.home, "search", "nguyen", "tien", "luong", "--limit", "5", "--json", user="lan").stdout
    )
    assert api == cli and [h["id"] for h in api["hits"]] == [desk.lien_bao_doc]
    assert "********" in json.dumps(api)  # staff: the CCCD masked in both

    shown = client.get(f"/api/documents/{desk.lien_bao_doc}", headers=bearer).json()
    cli_show = json.loads(sohoa(desk.home, "show", str(desk.lien_bao_doc), "--json", user="lan").stdout)
    assert shown == cli_show
    assert shown["files"]["pdf"] == f"/documents/{desk.lien_bao_doc}/pdf"

    manager = {"Authorization": f"Bearer {desk.tokens['quan']}"}
    report = client.get("/api/report", params={"period": "2024"}, headers=manager).json()
    cli_report = sohoa(desk.home, "report", "--period", "2024", "--format", "json", user="quan")
    assert report == json.loads(cli_report.stdout)


def test_tokens_sessions_and_scoping(app: object, desk: Desk) -> None:
    client = _client(app)
    assert client.get("/api/search?q=x", headers={"Authorization": "Bearer sohoa_wrong"}).status_code == 401
    other_ward = {"Authorization": f"Bearer {desk.tokens['minh']}"}
    # a document of another ward: 404, word for word like one that does not exist
    outside = client.get(f"/api/documents/{desk.lien_bao_doc}", headers=other_ward)
    missing = client.get("/api/documents/999999", headers=other_ward)
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["error"] == missing.json()["error"] == "not_found"
    hits = client.get("/api/search", params={"q": "luong"}, headers=other_ward).json()
    assert desk.lien_bao_doc not in [h["id"] for h in hits["hits"]]
    minh = logged_in(app, "minh")
    assert minh.get(f"/documents/{desk.lien_bao_doc}/pages/1.png").status_code == 404
    page = minh.get("/search", params={"q": "026216169402"})
    assert "0 kết quả" in page.text  # another ward's citizen: not even a count


def test_forms_need_their_csrf_token_and_logins_are_throttled(app: object, desk: Desk) -> None:
    client = _client(app)
    client.get("/login")
    assert client.post("/login", data={"name": "lan", "password": PASSWORD}).status_code == 400
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post(
            "/login", data={"name": "quan", "password": "sai-mat-khau-roi", "csrf_token": token}
        )
        assert wrong.status_code == 401
    blocked = client.post("/login", data={"name": "quan", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "15 phút" in blocked.text
    # another account behind the same address still logs in
    fine = client.post(
        "/login", data={"name": "lan", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert fine.status_code == 303
    staff = logged_in(app, "root")
    page = staff.get(f"/review/{desk.lien_bao_doc}")
    forged = staff.post(f"/review/{desk.lien_bao_doc}", data={"f_number": "1/GIA", "csrf_token": "x" * 43})
    assert forged.status_code == 400
    assert staff.get(f"/api/documents/{desk.lien_bao_doc}").json()["fields"]["number"] != "1/GIA"
    assert "csrf_token" in page.text


def test_search_page_highlights_and_pages_without_javascript(app: object, desk: Desk) -> None:
    client = logged_in(app, "root")
    page = client.get("/search", params={"q": "nguyen tien luong"})
    assert page.status_code == 200 and "<mark>" in page.text  # rendered on the server
    # the only script is the deferred type-ahead/progress helper, an extra the page does not need
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/desk.js" defer>']
    assert f'href="/documents/{desk.lien_bao_doc}"' in page.text
    doc = client.get(f"/documents/{desk.lien_bao_doc}").text
    assert "19/10/2017" in doc and "Nguyễn Tiến Lượng" in doc  # dates dd/mm/yyyy, names as stored
    assert client.get("/search", params={"q": "luong", "from": "31/02/2024"}).status_code == 400


def test_a_clerk_corrects_and_accepts_a_card(app: object, desk: Desk) -> None:
    client = logged_in(app, "hoa")
    form = client.get(f"/review/{desk.lien_bao_doc}")
    done = client.post(
        f"/review/{desk.lien_bao_doc}",
        data={"f_signer": "Vũ Hữu Long", "f_summary": "Trích lục khai sinh bản sao", "action": "next",
              "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    shown = client.get(f"/api/documents/{desk.lien_bao_doc}").json()
    assert shown["fields"]["summary"] == "Trích lục khai sinh bản sao"
    assert shown["field_source"]["summary"] == "manual"
    assert desk.lien_bao_doc not in [e["id"] for e in _queue(desk)]
    trail = json.loads(sohoa(desk.home, "audit", "--document", str(desk.lien_bao_doc), "--json").stdout)
    assert {("edit", "hoa"), ("accept", "hoa")} <= {(e["action"], e["actor"]) for e in trail}


def _queue(desk: Desk) -> list[dict]:
    return json.loads(sohoa(desk.home, "review", "--json").stdout)


def test_an_upload_is_ingested_in_the_background_and_its_state_survives_a_server_restart(
    app: object, desk: Desk
) -> None:
    client = logged_in(app, "hoa")
    token = csrf_of(client.get("/upload").text)
    broken = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog"  # cut short: a failed file with its reason
    files = [
        ("files", ("xn-0001.pdf", (SAMPLES / "xn-0001.pdf-text.pdf").read_bytes(), "application/pdf")),
        ("files", ("hong.pdf", broken, "application/pdf")),
    ]
    started = client.post(
        "/upload", data={"unit": "lien-bao", "csrf_token": token}, files=files, follow_redirects=False
    )
    assert started.status_code == 303, started.text
    job_id = int(started.headers["location"].rsplit("=", 1)[1])
    first = client.get("/batches").text
    assert f"Lần tải {job_id}" in first and ("Đang số hóa" in first or "Xong" in first)
    if "Đang số hóa" in first:  # without a script the page refreshes itself; with one it polls the API
        assert '<noscript><meta http-equiv="refresh"' in first and 'data-job="' in first

    # The server restarts: a new app on the same archive, nothing in memory, the same session cookie.
    restarted_archive = open_archive(desk.home)
    try:
        again = _client(create_app(restarted_archive))
        again.cookies.update(client.cookies)
        seen = again.get(f"/api/jobs/{job_id}").json()
        assert seen["state"] in ("running", "done") and seen["files_total"] == 2, seen
        deadline = time.monotonic() + 180
        while seen["state"] == "running" and time.monotonic() < deadline:
            time.sleep(1)
            seen = again.get(f"/api/jobs/{job_id}").json()
        assert seen["state"] == "done", seen
        assert (seen["files_done"], seen["files_failed"]) == (2, 1)
        assert seen["counts"] == {"stored": 1, "duplicate": 0, "failed": 1, "pending": 0}
        page = again.get("/batches").text
        assert f"Xong (lô {seen['batch']})" in page and "1 đã lưu" in page and "1 lỗi" in page
        assert f"Lần tải {job_id} — Phường Liên Bảo" in page
        assert "hong.pdf" in page  # the failed file and its reason
        # another clerk does not see hoa's job (404 as a missing one); the admin does
        assert logged_in(app, "minh").get(f"/api/jobs/{job_id}").status_code == 404
        assert logged_in(app, "root").get(f"/api/jobs/{job_id}").json()["state"] == "done"
    finally:
        restarted_archive.close()
    # another ward's clerk may not upload into this ward
    other = logged_in(app, "minh")
    refused = other.post(
        "/upload",
        data={"unit": "lien-bao", "csrf_token": csrf_of(other.get("/upload").text)},
        files=files[:1],
    )
    assert refused.status_code == 400 and "ngoài các đơn vị của bạn" in refused.text


def test_a_job_whose_process_died_shows_as_interrupted(app: object, desk: Desk) -> None:
    """A job left running by a process that is gone (killed, machine restarted) never spins for ever."""
    archive = open_archive(desk.home)
    left = archive.tmp_dir / "upload-dead"
    left.mkdir(parents=True)
    (left / "giay-khai-sinh.png").write_bytes(b"an uploaded copy the dead process never stored")
    try:
        gone = subprocess.Popen(["true"])
        gone.wait()
        job_id = job_ops.create_job(
            archive, actor="hoa", user_id=None, unit_code="lien-bao", mode="local", folder="tmp/upload-dead",
            files=3,
        )  # fmt: skip
        job_ops.set_job(archive, job_id, runner=job_ops.this_runner(gone.pid), files_done=1)
    finally:
        archive.close()
    client = logged_in(app, "hoa")
    seen = client.get(f"/api/jobs/{job_id}").json()
    assert seen["state"] == "interrupted" and seen["files_done"] == 1, seen
    assert "Bị ngắt" in client.get("/batches").text
    assert not left.exists(), "a dead job's uploaded copies (personal data) must not linger in tmp/"


def test_unit_fields_take_typed_names_and_suggest_matching_units(app: object, desk: Desk) -> None:
    staff, admin = logged_in(app, "lan"), logged_in(app, "root")
    assert staff.get("/api/units?q=lien bao").json() == [{"code": "lien-bao", "name": "Phường Liên Bảo"}]
    assert staff.get("/api/units?q=khai").json() == []  # only the caller's units are suggested
    many = admin.get("/api/units?q=phuong").json()
    assert 1 < len(many) <= 12 and all("Phường" in u["name"] for u in many), many
    assert admin.get("/api/units?q=lien").json()[0]["code"] == "lien-bao"  # no diacritics needed
    # without JavaScript: the typed name is resolved on the server
    found = admin.get("/search", params={"q": "luong", "unit": "lien bao"})
    assert found.status_code == 200 and "1 kết quả" in found.text
    unknown = admin.get("/search", params={"q": "luong", "unit": "khong co dau"})
    assert unknown.status_code == 400 and "không xác định được đơn vị" in unknown.text
    assert 'id="q"' in unknown.text  # the search form stays, with the message above the results
    outside = staff.get("/search", params={"q": "luong", "unit": "khai quang"})
    assert outside.status_code == 400 and "ngoài các đơn vị của bạn" in outside.text


def test_a_disabled_user_is_out_at_once(app: object, desk: Desk, tmp_path: Path) -> None:
    client = logged_in(app, "minh")
    assert client.get("/search").status_code == 200
    assert sohoa(desk.home, "users", "disable", "minh").returncode == 0
    assert client.get("/search").status_code == 401
    bearer = {"Authorization": f"Bearer {desk.tokens['minh']}"}
    assert _client(app).get("/api/search?q=x", headers=bearer).status_code == 401


def test_the_dashboard_shows_the_last_weeks_of_the_reports_trend(tmp_path: Path) -> None:
    """The register scenario of the report tests (2024-Q2): backlog digitised on 02/06 (K4),
    05/06 (K2), 10/06 and 15/06 (S1, D7), 20/06 (S2), 25/06 (T1), in weeks ending on Sundays."""
    from sohoa.app import users as app_users
    from sohoa.app.actor import local_admin
    from tests.register_support import build_scenario

    archive = open_archive(tmp_path / "home")
    try:
        build_scenario(archive, tmp_path)
        app_users.add_user(archive, local_admin(archive), "root", "admin", [], PASSWORD)
        client = _client(create_app(archive))
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"name": "root", "password": PASSWORD, "csrf_token": token})
        page = client.get("/dashboard", params={"period": "2024-Q2"})
        assert page.status_code == 200
        total = client.get("/api/report", params={"period": "2024-Q2"}).json()["total"]
    finally:
        archive.close()
    trend = page.text.split('id="theo-tuan"', 1)[1]
    rows = re.findall(
        r'<tr><th scope="row">([\d/]+)</th><td><meter[^>]*>\d+</meter> (\d+)</td><td>(\d+)</td>', trend
    )
    assert [day for day, _w, _t in rows] == [
        "12/05/2024", "19/05/2024", "26/05/2024", "02/06/2024", "09/06/2024", "16/06/2024", "23/06/2024",
        "30/06/2024",
    ]  # fmt: skip
    assert [int(w) for _d, w, _t in rows] == [0, 0, 0, 1, 1, 2, 1, 1]
    assert int(rows[-1][2]) == total["backlog_digitised"]  # the running total is the report's figure
