"""The submitter's address: validated once per submission, whatever asks about it again."""

from __future__ import annotations

import pytest


def test_the_normalised_form_is_answered_from_the_last_validation_and_only_it():
    from toiawase.core import address

    first = address.parse_submitter_address("Taro@EXAMPLE.co.jp")
    assert first.normalized == "Taro@example.co.jp"
    # The reply-to header and the privacy hash ask again with the normalised form: same answer.
    assert address.parse_submitter_address(first.normalized) is first
    assert list(address._last) == [first.normalized]  # one entry, never a growing cache
    second = address.parse_submitter_address("hanako@example.org")
    assert list(address._last) == [second.normalized]
    with pytest.raises(address.AddressError):
        address.parse_submitter_address("not an address")
    assert list(address._last) == [second.normalized]
