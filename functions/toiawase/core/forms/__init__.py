"""Forms as code: the typed forms (``model``) every use case reads."""
