"""Red-team finding 3, timed: no header costs more than a normal request.

Each hostile header of ``header_parsing.py`` goes through the Lambda entry several times; its
median time must stay within ``RATIO`` of the median of a normal, successful submission (which
parses, validates, composes and sends through moto's SES) measured in the same run. A ratio,
not a time: this machine is shared and its clock speed moves by 2x between runs. The time is the
thread's CPU time (``time.thread_time``), which a busy neighbour's use of the cores does not
inflate, and an entry over the ratio is measured once more before it counts as slow (a quadratic
parser stays slow; a scheduling hiccup does not). Before the fix
a 9.5 KB header of ``;`` took 250-600 ms, 20-60 times a normal request, and grew with the square
of its length.
"""

from __future__ import annotations

import statistics
import time

from tests.corpus.header_parsing import CASES
from tests.corpus.model import BASE, Case
from toiawase.local.events import LocalContext

# The yardstick got cheaper (issue 15 cut a normal request's compose from 1.75 to 0.42 ms), while
# entries just under a header's cap still go all the way through and are sent: 3.2-3.9x in a
# busy full run. The bug this guards against was 20-60x and grew with the square of the length.
RATIO = 5.0
NORMAL_RUNS = 15
CASE_RUNS = 5


def median_seconds(module, case: Case, runs: int, ip_base: int) -> float:
    times = []
    for run in range(runs):
        event = case.build(f"203.0.{ip_base % 250}.{run + 1}")
        started = time.thread_time()
        answer = module.lambda_handler(event, LocalContext())
        times.append(time.thread_time() - started)
        assert answer["statusCode"] < 500
    return statistics.median(times)


def test_every_hostile_header_costs_at_most_a_normal_request(submit_module, ses):
    normal_case = Case("normal", BASE)
    median_seconds(submit_module, normal_case, 3, 0)  # warm up
    normal = median_seconds(submit_module, normal_case, NORMAL_RUNS, 1)
    slow = []
    for index, case in enumerate(CASES):
        took = median_seconds(submit_module, case, CASE_RUNS, index + 2)
        if took > RATIO * normal:
            took = min(took, median_seconds(submit_module, case, CASE_RUNS, index + 2))
        if took > RATIO * normal:
            slow.append(f"{case.id}: {took * 1e3:.1f} ms = {took / normal:.1f}x normal")
    assert not slow, f"normal request {normal * 1e3:.1f} ms; slower than {RATIO}x: {slow}"
