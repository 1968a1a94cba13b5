"""The admission adapter's reading of DynamoDB's answers (a scripted client: the transaction's
real semantics are exercised against moto in tests/integration)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from toiawase.adapters.admission import DynamoAdmission
from toiawase.core.ports import AdmissionUnavailable, AlreadyClaimed, Claim, Counter, OverLimit

COUNTERS = [Counter("rl#client#a#60#0", 5, 60), Counter("rl#form#f#60#0", 50, 60)]
CLAIM = Claim("k" * 64, "b" * 32, 1_000, 1_600)


def cancelled(*codes: str, item: dict[str, Any] | None = None) -> ClientError:
    reasons: list[dict[str, Any]] = [{"Code": code} for code in codes]
    if item is not None:
        for reason in reasons:
            if reason["Code"] == "ConditionalCheckFailed":
                reason["Item"] = item
    response: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
        "CancellationReasons": reasons,
    }
    return ClientError(response, "TransactWriteItems")


class Scripted:
    """A DynamoDB client that answers each call from a script (an exception or a result)."""

    def __init__(self, *answers: Exception | None) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        return {}


def admission(client: Scripted) -> DynamoAdmission:
    return DynamoAdmission(
        client, rate_table="rl", claim_table="claims", submissions_table=None, sleep=lambda s: None
    )


def test_one_transaction_with_every_part_in_order():
    client = Scripted()
    admission(client).admit(COUNTERS, CLAIM)
    [call] = client.calls
    kinds = [(next(iter(i)), next(iter(i.values()))["TableName"]) for i in call["TransactItems"]]
    assert kinds == [("Update", "rl"), ("Update", "rl"), ("Put", "claims")]
    assert len(call["ClientRequestToken"]) <= 36


def test_the_full_counter_is_named_by_its_place():
    client = Scripted(cancelled("None", "ConditionalCheckFailed", "None"))
    with pytest.raises(OverLimit) as raised:
        admission(client).admit(COUNTERS, CLAIM)
    assert raised.value.index == 1


def test_a_repeat_wins_over_a_limit_and_learns_the_first_id_and_answer():
    old = {"submission_id": {"S": "a" * 32}, "answer": {"S": "sent"}}
    client = Scripted(
        cancelled("ConditionalCheckFailed", "None", "ConditionalCheckFailed", item=old)
    )
    with pytest.raises(AlreadyClaimed) as raised:
        admission(client).admit(COUNTERS, CLAIM)
    assert (raised.value.submission_id, raised.value.answer) == ("a" * 32, "sent")


def test_conflicts_are_retried_with_a_new_token_then_fail_as_an_outage():
    client = Scripted(cancelled("TransactionConflict", "None", "None"), None)
    admission(client).admit(COUNTERS, CLAIM)
    assert len(client.calls) == 2
    assert client.calls[0]["ClientRequestToken"] != client.calls[1]["ClientRequestToken"]
    busy = Scripted(*[cancelled("TransactionConflict", "None", "None")] * 3)
    with pytest.raises(AdmissionUnavailable):
        admission(busy).admit(COUNTERS, CLAIM)
    assert len(busy.calls) == 3


@pytest.mark.parametrize(
    "failure",
    [
        ClientError({"Error": {"Code": "ThrottlingException"}}, "TransactWriteItems"),
        ClientError({"Error": {"Code": "InternalServerError"}}, "TransactWriteItems"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
    ],
)
def test_anything_but_a_condition_is_an_outage(failure):
    with pytest.raises(AdmissionUnavailable):
        admission(Scripted(failure)).admit(COUNTERS, CLAIM)


def test_nothing_configured_makes_no_call():
    client = Scripted()
    DynamoAdmission(client).admit(COUNTERS, CLAIM)
    assert client.calls == []


def test_without_a_submissions_table_an_unanswered_claim_is_reclaimable_after_its_lease():
    client = Scripted()
    admission(client).admit([], CLAIM)
    put = client.calls[0]["TransactItems"][0]["Put"]
    assert "lease_until < :now" in put["ConditionExpression"]
    with_rows = Scripted()
    DynamoAdmission(with_rows, claim_table="claims", submissions_table="rows").admit([], CLAIM)
    put = with_rows.calls[0]["TransactItems"][0]["Put"]
    assert "lease_until" not in put["ConditionExpression"]  # the row says how it ended
