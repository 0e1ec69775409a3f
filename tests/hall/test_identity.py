"""ID numbers: GB 11643 check character, keyed hashes, masks."""

from __future__ import annotations

import pytest

from hall.identity import check_char, id_hash, is_id_hash, is_masked_id, is_valid_id, mask_id, normalize_id
from hall.text import HallRuleError

STANDARD_EXAMPLE = "11010519491231002X"   # the example number printed in GB 11643-1999


def test_the_standard_example_is_valid() -> None:
    assert check_char("11010519491231002") == "X"
    assert normalize_id(STANDARD_EXAMPLE.lower()) == STANDARD_EXAMPLE
    assert normalize_id(" 110105 19491231 002x ") == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    "bad",
    ["", "1101051949123100", "110105194912310021", "11010519491331002X", "11010519490231002X", "１１０１０５１９４９１２３１００２X",
     "11010519491231002Y", "abcdefghijklmnopqr", "11010519491231002X1", "<script>alert(1)</script>"],
)
def test_bad_numbers_are_refused_in_both_languages(bad: str) -> None:
    assert not is_valid_id(bad)
    with pytest.raises(HallRuleError) as error:
        normalize_id(bad)
    assert error.value.status == 422 and "身份证" in error.value.message.zh and "ID" in error.value.message.en


def test_hash_is_keyed_and_stable() -> None:
    first = id_hash("key-1", STANDARD_EXAMPLE)
    assert first == id_hash("key-1", STANDARD_EXAMPLE.lower())
    assert first != id_hash("key-2", STANDARD_EXAMPLE)
    assert is_id_hash(first) and STANDARD_EXAMPLE not in first
    with pytest.raises(ValueError):
        id_hash("", STANDARD_EXAMPLE)


def test_mask() -> None:
    assert mask_id("370102198001011234") == "3701**********1234"
    assert is_masked_id(mask_id(STANDARD_EXAMPLE))
    assert not is_masked_id(STANDARD_EXAMPLE)
    assert not is_id_hash("G" * 64)
