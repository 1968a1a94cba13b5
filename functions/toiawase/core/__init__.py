"""The pure core: parsing, validation, negotiation, composition.

Nothing here imports boto3, botocore, Powertools, a handler or an adapter, so all of it is
tested without AWS (tests/unit/test_layers.py enforces the rule).
"""
