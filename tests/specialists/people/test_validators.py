"""Credit codes (GB 32100), ID numbers (GB 11643), mobile numbers, and masking."""

import pytest
from django.core.exceptions import ValidationError

from specialists.people.validators import (
    credit_code_check_char,
    id_number_check_char,
    mask,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

# Published credit codes of real enterprises. Their check characters are letters, which a digit-only
# slip in the alphabet or the weights would get wrong.
PUBLISHED_CREDIT_CODES = ["91110000600037341L", "91110108551385082Q", "91340000704920454F"]


def error_code(validator, value):
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value.code


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_published_credit_codes_are_valid(code):
    assert credit_code_check_char(code[:17]) == code[17]
    validate_credit_code(code)


def test_credit_code_check_char_worked_by_hand():
    # 9*1 + 1*3 + 1*9 + 1*27 + 0*19 + ... + 1*28 = 538 for 91110000600037341; 538 mod 31 = 11;
    # 31 - 11 = 20, and the 21st character of 0-9 A-H J-N P Q R T U W X Y is L.
    assert credit_code_check_char("91110000600037341") == "L"


def test_credit_code_with_a_wrong_check_char_names_the_right_one():
    with pytest.raises(ValidationError) as caught:
        validate_credit_code("91110000600037341M")
    assert caught.value.code == "credit_code_check"
    assert caught.value.params == {"code": "91110000600037341M", "expected": "L"}


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_credit_code_refuses_letters_that_look_like_digits(letter):
    # Placed in the organisation-code part, where the other capital letters are allowed.
    assert error_code(validate_credit_code, f"91340300MA2N{letter}7XX30") == "credit_code_format"


def test_credit_code_with_allowed_letters_in_the_organisation_part():
    first17 = "91340300MA2N7XX3Y"
    validate_credit_code(first17 + credit_code_check_char(first17))


@pytest.mark.parametrize("value", ["", "91110000600037341", "91110000600037341LL", "9111000060003734lL", "91A10000600037341L"])
def test_credit_code_refuses_wrong_length_case_or_letters_in_the_region(value):
    assert error_code(validate_credit_code, value) == "credit_code_format"


def test_a_valid_id_number():
    # The example of GB 11643-1999 itself: born 1949-12-31 in Beijing's Chaoyang district.
    assert id_number_check_char("11010519491231002") == "X"
    validate_id_number("11010519491231002X")


def test_id_number_with_a_wrong_check_char():
    assert error_code(validate_id_number, "110105194912310021") == "id_number_check"


def test_id_number_with_an_impossible_birth_date_hides_the_number_in_the_message():
    first17 = "34032119990230001"  # 30 February 1999
    value = first17 + id_number_check_char(first17)
    with pytest.raises(ValidationError) as caught:
        validate_id_number(value)
    assert caught.value.code == "id_number_birth"
    assert caught.value.params == {"number": "3403**********" + value[-4:]}


@pytest.mark.parametrize(
    "value", ["", "11010519491231002", "11010519491231002XX", "11010519491231002x", "01010519491231002X", "110105194912310X2X"]
)
def test_id_number_refuses_wrong_length_lowercase_x_and_leading_zero(value):
    assert error_code(validate_id_number, value) == "id_number_format"


def test_a_valid_mobile():
    for value in ["13912345678", "19912345678", "15000000000"]:
        validate_mobile(value)


@pytest.mark.parametrize("value", ["139123456789", "1391234567", "12912345678", "10912345678", "23912345678", "139-1234-567", ""])
def test_mobile_refuses_wrong_length_and_prefixes(value):
    assert error_code(validate_mobile, value) == "mobile_format"


@pytest.mark.parametrize(
    ("value", "keep_start", "keep_end", "masked"),
    [
        ("13912345678", 3, 4, "139****5678"),
        ("11010519491231002X", 4, 4, "1101**********002X"),
        ("1234567", 3, 4, "*******"),  # nothing left to hide: hide it all
        ("123", 3, 4, "***"),
        ("", 3, 4, ""),
    ],
)
def test_mask(value, keep_start, keep_end, masked):
    assert mask(value, keep_start, keep_end) == masked
