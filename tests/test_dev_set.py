"""Dev-set regression on both question files (shared/eval/, scored as its README says), and the calibration
procedure: thresholds chosen on the questions plus generated unanswerable variants, cross-validated."""
from pathlib import Path

import pytest

from conftest import DEV_SET
from assistant.eval import calibrate, evaluate, format_calibration, format_report, load_questions

DEV2_SET = DEV_SET.with_name("dev2.jsonl")
# Reached on this corpus with the default settings; raise these when answers improve, never lower them silently.
FLOORS = {
    "dev.jsonl": {"evidence_recall": 1.0, "mrr": 0.83, "fact_accuracy": 0.90, "abstention": 1.0, "cited_evidence": 0.90},
    "dev2.jsonl": {"evidence_recall": 0.94, "mrr": 0.74, "fact_accuracy": 0.80, "abstention": 1.0, "cited_evidence": 0.84},
}
CEILINGS = {
    "dev.jsonl": {"false_abstention": 0.07, "wrong_answers": 0.07},
    "dev2.jsonl": {"false_abstention": 0.16, "wrong_answers": 0.05},
}
# Diagnosis sets written after the code they test (tests/data; heldout3, 7, 9, 15, 17, 19, 21, 23, 25, 28, 30, 32
# and 34 are kept blind, not here): the figures reached, give or take one question (the backend auto picks may move a borderline score).
DATA = Path(__file__).parent / "data"
DIAGNOSIS = {  # fact accuracy at least, wrong answers at most
    "heldout.jsonl": (0.767, 0.031), "heldout2.jsonl": (0.750, 0.018), "heldout4.jsonl": (0.565, 0.086),
    "heldout5.jsonl": (0.500, 0.020), "heldout6.jsonl": (0.567, 0.043), "heldout8.jsonl": (0.800, 0.000),
    "heldout10.jsonl": (0.600, 0.140), "heldout11.jsonl": (0.750, 0.020),
    "heldout12.jsonl": (0.618, 0.040), "heldout13.jsonl": (0.581, 0.042), "heldout14.jsonl": (0.576, 0.062),
    "heldout16.jsonl": (0.419, 0.163), "heldout18.jsonl": (0.471, 0.180), "heldout20.jsonl": (0.657, 0.020),
    "heldout22.jsonl": (0.528, 0.060), "heldout24.jsonl": (0.694, 0.140),
    "heldout26.jsonl": (0.444, 0.140), "heldout27.jsonl": (0.333, 0.320), "heldout29.jsonl": (0.361, 0.300),
    "heldout31.jsonl": (0.389, 0.180), "heldout33.jsonl": (0.667, 0.100),
    "probes.jsonl": (0.864, 0.029),
}
needs_sets = pytest.mark.skipif(not (DEV_SET.exists() and DEV2_SET.exists()),
                                reason="../shared/eval/dev.jsonl and dev2.jsonl are not beside the checkout")


@needs_sets
@pytest.mark.parametrize("path", [DEV_SET, DEV2_SET], ids=lambda p: p.name)
def test_dev_set_scores_stay_reached(shared_assistant, path):
    result = evaluate(shared_assistant, path, k=5)
    head = result["headline"]
    report = format_report(result)
    for name, floor in FLOORS[path.name].items():
        assert getattr(head, name) >= floor, f"{name} fell below {floor}\n{report}"
    for name, ceiling in CEILINGS[path.name].items():
        assert getattr(head, name) <= ceiling, f"{name} rose above {ceiling}\n{report}"


@needs_sets
@pytest.mark.slow
def test_cross_validated_figures_stay_near_the_in_sample_ones(shared_assistant):
    rows = load_questions(DEV_SET) + load_questions(DEV2_SET)
    result = calibrate(shared_assistant, rows, k=5, folds=5)
    report = format_calibration(result)
    assert result["generated"] >= 30, report
    fitted, held_out = result["in_sample"], result["cross_validated"]
    for name in ("fact_accuracy", "abstention", "false_abstention", "wrong_answers"):
        gap = abs(getattr(fitted["headline"], name) - getattr(held_out["headline"], name))
        assert gap <= 0.05, f"{name}: cross-validated figure {gap:.3f} away from the in-sample one\n{report}"
    assert held_out["generated"].abstention >= 0.85, report
    assert held_out["headline"].wrong_answers <= 0.12, report


@pytest.mark.parametrize("name", DIAGNOSIS)
def test_diagnosis_set_scores_stay_reached(shared_assistant, name):
    result = evaluate(shared_assistant, DATA / name, k=5)
    head, fact, wrong = result["headline"], *DIAGNOSIS[name]
    answerable = sum(o.answerable for o in result["outcomes"] if o.kind != "zh")
    report = format_report(result)
    assert head.fact_accuracy >= fact - 1 / answerable - 1e-9, report
    assert head.wrong_answers <= wrong + 1 / head.n + 1e-9, report
