"""Schemathesis against the OpenAPI document, in-process through the WSGI app, with a bearer token.

Bounded and repeatable: at most 25 examples per operation, derandomized, no shrinking. Every answer
must be no server error and must match the schema the document gives for its status code.
"""
from __future__ import annotations

import pytest

try:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance
except ImportError:  # pragma: no cover - the test extra installs it
    from tests.conftest import missing

    missing("schemathesis (pip install -e '.[test]')")
    pytest.skip("schemathesis is not installed", allow_module_level=True)

from web.runtime import current_runtime

from .api_helpers import bearer
from .browser_helpers import make_user
from .helpers import deploy, open_tasks, start
from .test_api import EXAMPLE

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_schema(sqlite_app):
    """The app's schema with a bearer token; ``real_ids`` name existing things for path parameters."""
    with sqlite_app.app_context():
        # one user whose roles reach every operation: case work, supervising, designing
        make_user("fuzz", ["cluster_expert", "supervisor", "process_designer"], ["tehran"])
        deploy(EXAMPLE)
        instances, tasks = [], []
        for number in (1, 2, 3):
            outcome = start("document_review", {"document_number": number, "title": f"case {number}"})
            instances.append(outcome.instance_id)
            tasks += [t.id for t in open_tasks(outcome.instance_id)]
            current_runtime().clock.advance(minutes=1)
    token = bearer(sqlite_app, "fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sqlite_app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    schema.real_ids = {"task_id": tasks, "instance_id": instances, "process_id": ["document_review"],  # type: ignore[attr-defined]
                       "version": [1]}
    return schema


SETTINGS = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def test_the_api_answers_every_generated_request_as_documented(api_schema):
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @SETTINGS
        @given(case=strategy, pick=st.integers(min_value=-1, max_value=2))
        def run(case, pick):  # type: ignore[no-untyped-def]
            # most requests name things that exist, so generated bodies reach the services
            if pick >= 0 and case.path_parameters:
                for name in case.path_parameters:
                    known = api_schema.real_ids.get(name)
                    if known:
                        case.path_parameters[name] = known[pick % len(known)]
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation is tried; all are reported
            failures[operation.label] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
