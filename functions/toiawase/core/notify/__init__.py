"""Notifications besides the owner's email (issue 13): webhook, Slack and Discord payloads, the
delivery use case behind the delivery queue, the receipt to the submitter, and the URL policy
that keeps webhooks away from internal addresses. Pure: adapters are passed in."""
