"""What ``toiawase dev`` prints: readable request lines, nothing that acts on a terminal."""

from __future__ import annotations

import io
import json
import threading

from toiawase.local.terminal import LogTap, outcome_from_logs, printable, request_line


def test_printable_drops_controls_bidi_and_separators_but_keeps_text():
    assert printable("山田 太郎 café") == "山田 太郎 café"
    assert printable("a\x1b[2Jb") == "a[2Jb"
    assert printable("x\u202ey\u2028z\x85\x9b") == "xyz"
    assert printable("line\nnext\r", keep_newlines=True) == "line\nnext"
    assert printable("line\nnext") == "linenext"


def test_request_line_has_method_path_status_result_id_and_time_only():
    line = request_line(
        "POST",
        "/submit?email=taro%40example.jp",
        303,
        12.4,
        {"result": "sent", "status": 303, "submission_id": "ab" * 16},
        clock=0,
    )
    assert line.endswith(f"  POST /submit  303  sent  id {'ab' * 16}  12 ms")
    assert "taro" not in line
    rejected = request_line("POST", "/submit", 422, 3, {"result": "rejected", "reason": "x"})
    assert "  422  rejected x  3 ms" in rejected
    hostile = request_line("GET", "/\x1b]0;pwned\x07" + "a" * 300, 404, 1)
    assert "\x1b" not in hostile and "\x07" not in hostile and len(hostile) < 160


def test_outcome_is_read_from_the_handlers_json_log_lines():
    lines = [
        '{"level":"INFO","message":"x"}',
        "not json",
        '{"_aws":{"CloudWatchMetrics":[]}}',
        json.dumps({"message": "submission sent", "result": "sent", "submission_id": "f" * 32}),
        '{"_aws":{"CloudWatchMetrics":[]},"form":"default","result":"sent"}',
    ]
    assert outcome_from_logs(lines)["submission_id"] == "f" * 32
    assert outcome_from_logs(["plain"]) == {}


def test_log_tap_keeps_one_threads_writes_and_passes_the_rest_on():
    target = io.StringIO()
    tap = LogTap(target)
    other_done = threading.Event()

    def other() -> None:
        tap.write("from another thread\n")
        other_done.set()

    with tap.capture() as caught:
        tap.write('{"a": 1}\n{"b"')
        tap.write(": 2}\n")
        threading.Thread(target=other).start()
        assert other_done.wait(5)
    tap.write("after\n")
    assert caught == ['{"a": 1}', '{"b": 2}']
    assert target.getvalue() == "from another thread\nafter\n"
