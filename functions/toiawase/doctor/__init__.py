"""``toiawase doctor DOMAIN``: prove that mail from DOMAIN through SES will arrive.

The story behind this product ends with someone running ``dig txt`` by hand to understand why
mail was refused. The doctor does that reading for them: it asks SES what it knows about the
domain (identity, DKIM, MAIL FROM, sandbox, quota, configuration set) and DNS what the world
sees (the DKIM CNAMEs, the MAIL FROM MX and SPF, the domain's own SPF, DMARC), and says for
each PASS, WARN, FAIL or "not checked", with the exact record or command that fixes it.

Layers, as in the rest of the package:

- ``facts``, ``checks`` and ``findings`` are pure: record data in, verdicts out. They import no
  boto3, botocore, dnspython or checkdmarc (a test enforces it), so every verdict is tested
  from plain values.
- ``dnsprobe`` (dnspython + checkdmarc) and ``sesprobe`` (boto3 ``sesv2``) are the adapters that
  turn the world into those facts. Neither ever raises for an unanswerable question: a DNS
  timeout or an SES ``AccessDenied`` becomes "not checked", never a crash.
- ``command`` wires them for the CLI. Only ``toiawase.cli`` imports it, lazily, so no Lambda
  handler ever loads any of this.

Why checkdmarc for SPF and DMARC, rather than pyspf or hand-written parsing:

- It *validates* records, which is the question here: RFC 7208 syntax (macros included), the
  10-DNS-lookup limit counted through every ``include`` and ``redirect``, the 2-void-lookup
  limit, loops; DMARC tags and values, and discovery of the policy through the organisational
  domain with the Public Suffix List. pyspf *evaluates* a record for one sending IP: it stops
  at the first match, so it cannot count a whole tree, and it was last released in 2020.
- It is maintained (releases every few months) and is Apache-2.0.
- It takes a caller's ``dns.resolver.Resolver``, so ``--nameserver HOST:PORT`` and the tests'
  DNS server on 127.0.0.1 at a random port reach every query it makes; nothing in the SPF and
  DMARC paths uses HTTP, so it works offline.
- Its cost is weight (cryptography, httpx, requests: ~25 packages) and no type information.
  That is why it lives in the ``doctor`` extra rather than the package's own dependencies,
  which stay what the Lambda needs, and why only ``dnsprobe`` touches it, turning its
  dictionaries into the typed facts below.

What is hand-written is deliberately small: finding ``include:amazonses.com`` among the
space-separated terms of one SPF record, and comparing CNAME and MX targets.
"""
