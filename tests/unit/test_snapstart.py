"""SnapStart hooks: registered only for a SnapStart INIT, priming and re-seeding as documented."""

from __future__ import annotations

import random
import sys
import types

from toiawase.handlers import snapstart, wiring


def fake_runtime(monkeypatch):
    registered: dict[str, list[object]] = {"before": [], "after": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    module.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def test_nothing_is_registered_without_snapstart(monkeypatch):
    registered = fake_runtime(monkeypatch)
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    assert snapstart.register(lambda: None) is False
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    assert snapstart.register(lambda: None) is False
    assert registered == {"before": [], "after": []}


def test_hooks_are_registered_for_a_snapstart_init(monkeypatch):
    registered = fake_runtime(monkeypatch)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    primed: list[bool] = []
    assert snapstart.register(lambda: primed.append(True)) is True
    [before], [after] = registered["before"], registered["after"]
    before()
    assert primed == [True]
    assert after is snapstart.after_restore


def test_outside_lambda_the_runtime_module_is_absent(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert snapstart.register(lambda: None) is False


def test_restore_reseeds_random_so_restored_copies_differ():
    random.seed(42)  # as if the snapshot captured this state
    state = random.getstate()
    snapstart.after_restore()
    first = random.random()
    random.setstate(state)
    snapstart.after_restore()
    assert random.random() != first


def test_ids_do_not_depend_on_state_captured_before_a_snapshot():
    random.seed(7)
    a = wiring.new_submission_id()
    random.seed(7)
    b = wiring.new_submission_id()
    assert a != b and len(a) == 32


def test_prime_builds_the_adapters_requests_create_lazily(monkeypatch):
    """Before a snapshot, every adapter a request may build on first use is built, so a
    restored copy does not load a service model on its first request."""
    from toiawase.adapters import aws

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    env = {
        "SUBMISSIONS_TABLE": "prime-submissions",
        "FILES_BUCKET": "prime-files",
        "RETRY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/prime-retry",
        "DELIVERY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/prime-deliver",
    }
    for built in (wiring._files, wiring._uploads, wiring._deliveries):
        built.cache_clear()
    deps = wiring.prime(env, wiring.ses_sender())
    assert deps.files is not None and deps.uploads is not None
    assert wiring._files.cache_info().currsize == 1  # the S3 adapter (and its client)
    assert wiring._uploads.cache_info().currsize == 1
    assert wiring._deliveries.cache_info().currsize == 1
    assert aws.client.cache_info().currsize >= 3  # sesv2, dynamodb, sqs
    assert "toiawase.adapters.s3_files" in sys.modules
