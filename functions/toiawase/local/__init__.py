"""Running toiawase on one machine with no AWS account: dev server, invoker, embedded SES.

These are handlers of another kind: like the Lambda handlers they wire adapters to the core.
"""
