"""A worker in a process of its own, on a frozen clock, for the test that kills it with SIGKILL.

python -m tests.web.worker_child DATABASE_URL CLOCK_ISO NAME DATA_DIR
"""
from __future__ import annotations

import sys
from datetime import datetime

from engine.clock import FrozenClock


def main() -> None:
    url, moment, name, data_dir = sys.argv[1:5]
    from web import create_app, unit_of_work
    from web.runtime import current_runtime
    from web.services.work.worker import Worker

    from . import job_kinds  # noqa: F401 - registers the test job kind

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "DATA_DIR": data_dir},
                     clock=FrozenClock(datetime.fromisoformat(moment)))
    with app.app_context():
        runtime = current_runtime()
        Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock, name=name).run()


if __name__ == "__main__":
    main()
