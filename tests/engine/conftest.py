"""Engine-level fixtures: the real engine, a frozen clock, no Flask, no database."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.registry import Registry
from engine.runtime import Engine
from engine.validation import read_sources

ROOT = Path(__file__).resolve().parents[2]
ROLES = {"cluster_expert", "small_industries_deputy"}
FORMS = {"document_review_decision", "document_review_escalation"}


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def engine(clock):
    return Engine(clock)


@pytest.fixture
def example(engine):
    registry = Registry(roles=ROLES, forms=FORMS)
    return registry.load(read_sources([ROOT / "examples" / "document_review.bpmn"]))


def roundtrip(engine, workflow, spec_set, process_id):
    """Save and restore mid-run; the restored workflow must serialize to exactly the same state."""
    saved = engine.dumps(workflow)
    restored = engine.loads(saved, spec_set, process_id)
    assert engine.dumps(restored) == saved
    assert engine.open_user_tasks(restored) == engine.open_user_tasks(workflow)
    assert engine.waiting_timers(restored) == engine.waiting_timers(workflow)
    assert engine.waiting_messages(restored) == engine.waiting_messages(workflow)
    return restored
