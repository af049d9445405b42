"""Calibration tools: counterfactual questions the documents cannot answer, k-fold threshold choice."""
from assistant.counterfactual import counterfactuals
from assistant.eval import Outcome, best_threshold, cross_validate, utility

DOCS = ["In October 2024, Kaohsiung co-hosted a workshop with experts from 21 countries. ",
        "Gdynia Deputy Mayor Bartłomiej Austen spoke in Kaohsiung. Dresden is the largest chip cluster in Europe."]


def row(question, expect, id_="q1"):
    return {"id": id_, "question": question, "history": [], "kind": "factoid", "answerable": True,
            "expect": expect, "evidence": []}


def by_kind(variants):
    return {v["id"].split("-cf-")[1]: v["question"] for v in variants}


def test_years_and_numbers_move_to_values_the_documents_never_use():
    kinds = by_kind(counterfactuals([row("How many countries sent experts in October 2024?", [["21"]])], DOCS))
    assert kinds["year"] == "How many countries sent experts in October 2027?"
    one = by_kind(counterfactuals([row("What did the 21 countries discuss?", [["climate"]])], DOCS))
    assert one["number"] == "What did the 28 countries discuss?"


def test_roles_swap_rank_and_variants_are_unanswerable():
    variants = counterfactuals([row("Who is the deputy mayor of Gdynia?", [["Austen"]])], DOCS)
    assert by_kind(variants)["role"] == "Who is the mayor of Gdynia?"
    assert all(v["answerable"] is False and v["expect"] == [] for v in variants)


def test_an_entity_that_shares_a_sentence_with_the_answer_is_not_swapped_in():
    variants = by_kind(counterfactuals([row("Which city did Gdynia's deputy mayor visit?", [["Kaohsiung"]])], DOCS))
    assert "entity" in variants and "Kaohsiung" not in variants["entity"].replace("Kaohsiung?", "")
    # Swapping Gdynia for Kaohsiung would ask about the answer itself; the other city there is Dresden.
    assert variants["entity"].startswith("Which city did Dresden")


def test_unanswerable_and_history_rows_yield_no_variants():
    unanswerable = {**row("When was the pact signed in 2013?", []), "answerable": False}
    follow_up = {**row("When was it signed in 2013?", [["2013"]]), "history": ["Tell me about Malé."]}
    assert counterfactuals([unanswerable, follow_up], DOCS) == []


def outcome(id_, answerable, correct=False, abstained=False):
    return Outcome(id=id_, kind="factoid", answerable=answerable, correct=correct, abstained=abstained)


def test_the_threshold_is_chosen_on_other_folds_and_scored_on_the_held_out_one():
    # Low thresholds answer the unanswerable questions (wrong, -2 each); high ones refuse the answerable ones.
    ids = [f"q{i}" for i in range(10)]
    table = {
        0.2: [outcome(i, n < 5, correct=n < 5) for n, i in enumerate(ids)],
        0.3: [outcome(i, n < 5, correct=n < 5, abstained=n >= 5) for n, i in enumerate(ids)],
        0.4: [outcome(i, n < 5, abstained=True) for n, i in enumerate(ids)],
    }
    assert utility(table[0.2]) == 5 - 10 and utility(table[0.3]) == 10 and utility(table[0.4]) == 5
    assert best_threshold(table) == 0.3
    cv = cross_validate(table, folds=5)
    assert cv["thresholds"] == [0.3] * 5
    assert sorted(o.id for o in cv["outcomes"]) == sorted(ids)
