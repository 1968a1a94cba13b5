"""Adapters: small classes that implement the core's ports with AWS services."""
