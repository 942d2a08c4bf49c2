"""Check characters and formats of Chinese identifiers: credit codes, ID numbers, mobile numbers."""

import datetime
import re
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters of the unified social credit code (no I, O, S, V, Z).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# GB 11643-1999: the 18-digit citizen ID number, its last character an ISO 7064 MOD 11-2 check.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_RE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not CREDIT_CODE_RE.match(value or ""):
        raise ValidationError(
            _("A unified social credit code is 18 characters of digits and capital letters other than I, O, S, V and Z, with digits in places 3 to 8."),
            code="credit_code_format",
        )
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check character of credit code %(code)s is wrong: it should be %(expected)s."),
            code="credit_code_check", params={"code": value, "expected": expected},
        )


def id_number_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def validate_id_number(value: str) -> None:
    if not ID_RE.match(value or ""):
        raise ValidationError(_("An ID number is 17 digits and a check character (a digit or X)."), code="id_number_format")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The date of birth in ID number %(number)s is not a real date."), code="id_number_birth", params={"number": mask(value, 4, 4)}) from None
    if value[17] != id_number_check_char(value[:17]):
        raise ValidationError(_("The check character of the ID number is wrong."), code="id_number_check")


class Identity(NamedTuple):
    """What an ID number says of its holder: "male" or "female" (Specialist.Gender's values), and the birth date."""

    gender: str
    birth_date: datetime.date


def identity(id_number: str) -> Identity | None:
    """The gender (the 17th digit: odd for men) and birth date (digits 7 to 14) an 18-digit ID number
    carries; None when the number is not a valid one. The one place that reads them: the model's
    clean() and the roster import both ask here."""
    try:
        validate_id_number(id_number)
    except ValidationError:
        return None
    birth = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return Identity("male" if int(id_number[16]) % 2 else "female", birth)


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(_("A mobile number is 11 digits starting with 13 to 19, for example 13912345678."), code="mobile_format")


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """Mask personal data for people who do not manage it: 340321199001011234 -> 3403**********1234."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]
