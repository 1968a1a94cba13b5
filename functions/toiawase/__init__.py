"""toiawase: a self-hosted form endpoint for static websites (HTTP API + Lambda + Amazon SES)."""

__version__ = "0.1.0"
