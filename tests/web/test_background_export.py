"""A large case-list export while a worker runs: the worker writes the file, the asker follows its progress and
downloads it; no one else can; it expires. Smaller exports, and any while no worker runs, stream at once.

The worker is the real loop (``Worker.run_once``) in this process, on the test's clock.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from web import unit_of_work
from web.runtime import current_runtime
from web.services.work.worker import Worker

from .browser_helpers import login, make_user
from .helpers import ROOT, deploy
from .test_scale import add_cases

CASES = 30


@pytest.fixture
def ctx(app, clock):
    app.config["EXPORT_BACKGROUND_ROWS"] = 20
    with app.app_context():
        make_user("hq", ["isipo_expert"], [])
        make_user("hq2", ["isipo_expert"], [])
        make_user("sup", ["supervisor"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        add_cases(CASES)
    return app     # no application context held open: each test client's sign-in keeps its own CSRF token


def run_worker(app, clock) -> int:
    """One round of the worker loop, as `clusterflow worker` runs it (in an application context)."""
    with app.app_context():
        return Worker(uow_factory=unit_of_work, runtime=current_runtime(), clock=clock, name="w1").run_once()


def client_of(app, username):
    client = app.test_client()
    login(client, username)
    return client


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def queued(client, path: str) -> str:
    """Ask for an export that goes to the worker; returns its progress page's path."""
    response = client.get(path)
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert re.fullmatch(r"(http://localhost)?/exports/\d+", location), location
    return location.removeprefix("http://localhost")


def test_a_large_export_is_written_by_the_worker_and_downloaded_by_its_asker_only(ctx, clock):
    hq, other = client_of(ctx, "hq"), client_of(ctx, "hq2")
    # no worker alive: even a large export streams within the request
    streamed = hq.get("/cases/export.csv")
    assert streamed.status_code == 200 and streamed.is_streamed
    assert len(csv_rows(streamed.get_data())) == CASES + 1

    run_worker(ctx, clock)                                 # a worker is alive now (its heartbeat)
    page_path = queued(hq, "/cases/export.csv")
    page = hq.get(page_path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="queued"' in text
    assert '<meta http-equiv="refresh"' in text and "<script>" not in text
    assert re.search(r"۰ از ۳۰ ردیف", text)               # rows written of the total, in Persian digits
    for path in (page_path, page_path + "/download"):        # someone else's export does not exist for them
        assert other.get(path).status_code == 404
    assert hq.get(page_path + "/download").status_code == 404   # not written yet

    assert run_worker(ctx, clock) >= 1
    page = hq.get(page_path).get_data(as_text=True)
    assert 'data-status="done"' in page and "refresh" not in page and 'data-testid="export-download"' in page
    download = hq.get(page_path + "/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert csv_rows(download.get_data()) == csv_rows(streamed.get_data())   # the same file as streamed
    assert other.get(page_path + "/download").status_code == 404

    xlsx_path = queued(hq, "/cases/export.xlsx")
    run_worker(ctx, clock)
    book = hq.get(xlsx_path + "/download")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == CASES + 1 and len({r[0] for r in rows[1:]}) == CASES

    # a day later both have expired: gone for their asker too, and their files are removed by the next export
    files = Path(ctx.config["DATA_DIR"]) / "exports"
    assert len(list(files.iterdir())) == 2
    clock.advance(hours=25)
    hq = client_of(ctx, "hq")                                # (the earlier session has ended)
    for path in (page_path, page_path + "/download", xlsx_path + "/download"):
        assert hq.get(path).status_code == 404
    run_worker(ctx, clock)                                   # (alive again on the moved clock)
    queued(hq, "/cases/export.csv")
    run_worker(ctx, clock)
    assert len(list(files.iterdir())) == 1


def test_small_exports_and_bad_requests_stream_or_answer_at_once(ctx, clock):
    run_worker(ctx, clock)
    sup = client_of(ctx, "sup")    # Tehran only: 10 of the 30 cases, under the threshold
    response = sup.get("/cases/export.csv")
    assert response.status_code == 200 and len(csv_rows(response.get_data())) == CASES // 3 + 1
    hq = client_of(ctx, "hq")
    assert hq.get("/cases/export.csv?from=1405/13/40").status_code == 422
    assert hq.get("/exports/999999").status_code == 404
