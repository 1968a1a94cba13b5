"""The public contract's function variables (BRIEF.md), as the tests set them: one definition for
the shared set-up (``tests/conftest.py``), the unit builders, the dev server's and the template's
tests. Plain data, no imports: ``conftest`` reads it before anything imports boto3."""

from __future__ import annotations

CONTRACT_ENV = {
    "SENDER_ADDRESS": "forms@example.com",
    "RECIPIENT_ADDRESSES": "owner@example.com,team@example.com",
    "FEEDBACK_ADDRESS": "bounces@example.com",
    "ALLOWED_ORIGINS": "https://www.example.com,https://example.com",
    "REDIRECT_URL": "https://www.example.com/thanks/",
    "SITE_NAME": "Example Co",
    "SES_CONFIGURATION_SET": "",
}
CONTRACT_NAMES = tuple(CONTRACT_ENV)
