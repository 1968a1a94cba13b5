"""The reply-to hash: keyed, normalised like email-validator, and months of the time index."""

from __future__ import annotations

from datetime import UTC, datetime

from toiawase.adapters.dynamo_data import months
from toiawase.core.privacy import erased_before, hasher, normalise_address, reply_hash
from toiawase.ops.data import mask, neutralise


def test_hash_follows_email_validators_normalisation_and_the_key():
    assert reply_hash(b"k", " taro@EXAMPLE.jp ") == reply_hash(b"k", "taro@example.jp")
    # email-validator keeps the local part's case: so does the hash.
    # Erasure errs on the side of finding too much: the local part's case does not separate two
    # people (docs/data.md), but a different letter does.
    assert reply_hash(b"k", "Taro@example.jp") == reply_hash(b"k", "taro@example.jp")
    assert reply_hash(b"k", "TARO@EXAMPLE.JP") == reply_hash(b"k", "taro@example.jp")
    assert reply_hash(b"k", "ÉMILE@example.fr") == reply_hash(b"k", "émile@example.fr")
    assert reply_hash(b"k", "taro@example.jp") != reply_hash(b"k", "tar0@example.jp")
    # lower(), not casefold(): ß and ss are different mailboxes.
    assert reply_hash(b"k", "straße@example.de") != reply_hash(b"k", "strasse@example.de")
    assert reply_hash(b"k", "taro@example.jp") != reply_hash(b"other", "taro@example.jp")
    assert normalise_address("山田@例え.jp") == "山田@例え.jp"
    assert normalise_address("not an address") == "not an address"


def test_hasher_reads_its_key_once():
    reads: list[int] = []

    def key() -> bytes:
        reads.append(1)
        return b"k"

    hash_address = hasher(key)
    assert hash_address("a@example.jp") == reply_hash(b"k", "a@example.jp")
    hash_address("b@example.jp")
    assert len(reads) == 1


def test_erased_before_only_for_older_submissions():
    erased = datetime(2025, 3, 1, tzinfo=UTC)
    assert erased_before(datetime(2025, 2, 28, tzinfo=UTC), erased)
    assert not erased_before(datetime(2025, 3, 2, tzinfo=UTC), erased)
    assert not erased_before(datetime(2025, 3, 2, tzinfo=UTC), None)


def test_months_cover_the_window():
    assert months(datetime(2024, 12, 31, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)) == [
        "2024-12",
        "2025-01",
        "2025-02",
    ]


def test_formula_cells_are_neutralised_and_addresses_masked():
    for cell in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    assert neutralise("山田 =1") == "山田 =1"
    assert mask("taro@example.jp") == "t***@example.jp" and mask(None) == "-"
