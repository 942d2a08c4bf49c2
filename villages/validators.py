"""Validators for GB/T 2260 division codes (province, prefecture, county) and their statistical extensions (towns, villages)."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

province_code_validator = RegexValidator(
    r"^[1-8]\d$", _("A province-level code is 2 digits (GB/T 2260), for example 34."), code="province_code"
)
city_code_validator = RegexValidator(
    r"^[1-8]\d{3}$", _("A prefecture-level code is 4 digits: the province's code and 2 more, for example 3403."), code="city_code"
)
county_code_validator = RegexValidator(
    r"^[1-8]\d{5}$", _("A county-level code is 6 digits (GB/T 2260), for example 340321."), code="county_code"
)
town_code_validator = RegexValidator(
    r"^[1-8]\d{8}$", _("A town code is 9 digits: the county-level code and 3 more, for example 340321100."), code="town_code"
)
village_code_validator = RegexValidator(
    r"^[1-8]\d{11}$", _("A village code is 12 digits: the town code and 3 more, for example 340321100201."), code="village_code"
)
