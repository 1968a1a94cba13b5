"""After a container's first request, the objects alive then are frozen out of the garbage
collector's reach, once, in Lambda only (handlers/submit.py ``_freeze_once``)."""

from __future__ import annotations

from toiawase.local.events import LocalContext, build_event


def recorder(submit_module, monkeypatch) -> list[bool]:
    calls: list[bool] = []
    monkeypatch.setattr(submit_module, "_frozen", [])
    monkeypatch.setattr(submit_module.gc, "freeze", lambda: calls.append(True))
    return calls


def test_in_lambda_the_first_request_freezes_once(submit_module, monkeypatch):
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")
    calls = recorder(submit_module, monkeypatch)
    for _ in range(3):
        answer = submit_module.lambda_handler(
            build_event("GET", "/nowhere", {}, b""), LocalContext()
        )
        assert answer["statusCode"] == 404
    assert calls == [True]


def test_outside_lambda_nothing_is_frozen(submit_module, monkeypatch):
    monkeypatch.delenv("AWS_EXECUTION_ENV", raising=False)
    calls = recorder(submit_module, monkeypatch)
    submit_module.lambda_handler(build_event("GET", "/nowhere", {}, b""), LocalContext())
    assert calls == []
