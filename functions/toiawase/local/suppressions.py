"""A local stand-in for SES's account suppression list, for ``make dev`` only.

moto has no ``GetSuppressedDestination``, so the delivery consumer's receipts could not be
decided against embedded SES. The dev server puts this adapter behind the same port
(``toiawase.core.notify.ports.Suppressions``) from Python
(``notify_wiring.use_local_suppressions``): no variable selects it, so no deployment can. It
starts with SES's mailbox simulator address for the suppression list, so a developer can see a
receipt skipped as ``suppressed``.
"""

from __future__ import annotations

import threading

from toiawase.core.privacy import normalise_address

# https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html (mailbox simulator)
SIMULATOR_SUPPRESSED = "suppressionlist@simulator.amazonses.com"


class LocalSuppressions:
    """Implements ``toiawase.core.notify.ports.Suppressions`` with an in-memory set."""

    def __init__(self, addresses: tuple[str, ...] = (SIMULATOR_SUPPRESSED,)) -> None:
        self._lock = threading.Lock()
        self._addresses = {normalise_address(a).lower() for a in addresses}

    def add(self, address: str) -> None:
        with self._lock:
            self._addresses.add(normalise_address(address).lower())

    def is_suppressed(self, address: str) -> bool:
        with self._lock:
            return normalise_address(address).lower() in self._addresses
