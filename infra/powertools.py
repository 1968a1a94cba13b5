"""Which Powertools release each public layer version holds, for the layer template.yaml deploys.

template.yaml pins the layer ``AWSLambdaPowertoolsPythonV3-python313-arm64`` by number;
pyproject.toml and bench/runtime-requirements.txt pin the PyPI release. Tests and the bench must run
the code Lambda runs, so ``tests/integration/test_stack.py`` fails when the three disagree. To
upgrade: add the new pair here (Powertools' documentation lists each release's layer version, and
``aws ssm get-parameter --name /aws/service/powertools/python/arm64/python3.13/latest`` shows the
newest), then change the layer number in template.yaml and the two pins.
"""

from __future__ import annotations

LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python313-arm64"
LAYER_ACCOUNT = "017000801446"
# Layer version -> Powertools release (3.23.0 published layer version 27, November 2025).
LAYER_RELEASES: dict[int, str] = {27: "3.23.0"}
