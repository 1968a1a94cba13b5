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
