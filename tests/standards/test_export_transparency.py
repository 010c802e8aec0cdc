"""export_transparency reads its month in the digits 0-9 only."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from standards.management.commands.export_transparency import parse_month

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("month", ["١٢٣٤-٠١", "２０２６-０１", "2026-٠١", "२०२६-01"])
def test_a_month_in_other_digits_is_refused_with_what_to_write(month):
    with pytest.raises(CommandError) as error:
        call_command("export_transparency", "--month", month)
    assert str(error.value) == (f"--month must be a month as YYYY-MM in the digits 0-9, such as "
                                f'2026-02; got "{month}".')


def test_a_month_in_the_digits_0_to_9_is_read():
    assert parse_month(" 2026-01 ") == (2026, 1)
