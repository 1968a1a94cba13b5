"""Forms-file tooling for before deploy: ``toiawase forms check|compile`` and ``toiawase openapi``.

Not part of the core and never imported by a Lambda handler: it uses PyYAML and jsonschema
(the ``forms`` extra), which the function's artifact does not ship. The Lambda reads the compiled
JSON with ``toiawase.core.forms.load`` (standard library only).
"""
