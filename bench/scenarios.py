"""What the benchmarks run: a task loop in the small example and in the real cluster case.

Each scenario names its files, how an instance starts, the steps that bring it to the
loop, and the two steps of the loop (completing them again and again is what B1, B2 and
B4 time). The cluster case's loop is the technical supervisor's rework of the diagnostic
study, inside the called diagnostic process.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scenario:
    name: str
    files: list[Path]
    process_id: str
    start_data: dict[str, Any] = field(default_factory=dict)
    start_message: str | None = None          # started by this message (payload = start_data)
    prelude: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    loop: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


EXAMPLE = Scenario(
    name="example (document_review)", files=[ROOT / "examples" / "document_review.bpmn"],
    process_id="document_review", start_data={"document_number": 1},
    loop=[("review_document", {"decision": "rework"})])


def _cluster_case() -> Scenario:
    candidate = {"code": "TH-01", "name": "مبلمان", "isic4": "3100", "subsector": "industrial", "counties": "تهران",
                 "firms_micro": 100, "firms_small": 25, "firms_medium": 5, "employment": 2000,
                 "output": 2_700_000_000_000, "value_added": 900_000_000_000, "exports": 500000.0,
                 "growth_3y": 10.0, "lq": 2.5}
    contracts = {"cda_name": "شرکت مشاور", "cda_national_id": "10101010103", "cda_certificate": "file-cert",
                 "cda_team": [{"full_name": "الف", "position": "agent"}, {"full_name": "ب", "position": "assistant"},
                              {"full_name": "ج", "position": "secretary"}],
                 "cda_contract_no": "Q-1", "cda_contract_start": "1405/03/01", "cda_contract_months": 36,
                 "cda_fee": 9_000_000_000, "supervisor_name": "ناظر", "supervisor_contract_no": "Q-2",
                 "supervisor_fee": 3_000_000_000, "contracts_file": ["file-c1", "file-c2"]}
    diagnostic = {"cluster_definition": "مبلمان چوبی جنوب تهران", "value_chain_map": "file-vc", "survey_sample_n": 60,
                  "swot": [{"kind": k, "text": k} for k in ("strength", "weakness", "opportunity", "threat")],
                  "leverage_points": "بازاریابی مشترک", "baseline_kpis": [{"kpi": "فروش", "baseline": 100}],
                  "diagnostic_file": "file-diag"}
    return Scenario(
        name="cluster case (diagnostic rework loop)", files=sorted((ROOT / "processes").glob("*.bpmn"))
        + sorted((ROOT / "processes").glob("*.dmn")),
        process_id="cluster_case", start_message="cluster_case_requested",
        start_data={"province": "tehran", "year": 1405, "round_key": "tehran-1405", "code": "TH-01",
                    "name": "مبلمان", "cluster_name": "مبلمان", "title": "توسعه خوشه مبلمان", "rank": 1,
                    "score": 80.0, "candidate": candidate},
        prelude=[
            ("feasibility_study", {"readiness_score": 4, "interviews_n": 24, "recommendation": "go",
                                   "budget_estimate": 40_000_000_000, "feasibility_summary": "آمادگی بالا",
                                   "feasibility_file": "file-feasibility"}),
            ("feasibility_decision", {"feasibility_outcome": "go"}),
            ("official_request", {"request_no": "1405/120", "request_date": "1405/02/01", "request_file": "file-r"}),
            ("issue_permit", {"permit_status": "issued", "permit_no": "P-1", "permit_date": "1405/02/20"}),
            ("sign_contracts", contracts),
        ],
        loop=[("diagnostic_study", diagnostic),
              ("review_diagnostic", {"review_status": "rework", "supervisor_comments": "پیمایش کافی نیست"})])


CLUSTER_CASE = _cluster_case()
SCENARIOS = [EXAMPLE, CLUSTER_CASE]
