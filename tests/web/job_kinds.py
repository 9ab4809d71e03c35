"""A job kind for tests only: it blocks until a file appears, then records that it ran (exactly once)."""
from __future__ import annotations

import time
from pathlib import Path

from web.services.projection import record
from web.services.work.jobs import JobContext, job_kind

WAIT_FOR_FILE = "test.wait_for_file"


@job_kind(WAIT_FOR_FILE)
def wait_for_file(ctx: JobContext) -> None:
    Path(ctx.payload["started"]).write_text(ctx.worker, encoding="utf-8")   # tells the test it is running
    go = Path(ctx.payload["go"])
    while not go.exists():
        time.sleep(0.05)
    with ctx.uow_factory() as uow:
        record(uow.session, None, "test_job_done", ctx.clock.now(), actor=ctx.worker, data={"job": ctx.claim.job_id})
        ctx.finish(uow.session)
        uow.commit()
