"""core.pagination.Parts: a list read part by part, as Paginator pages it."""

import pytest
from django.core.paginator import Paginator

from core.pagination import Parts


class Rows(list):
    """What Parts reads of a queryset: its count and its slices."""

    counted = 0

    def count(self):
        Rows.counted += 1
        return len(self)


def parts(*sizes_given):
    """0-6 in two parts, [0-3] and [4-6]; sizes_given says which part is counted."""
    first, rest = Rows(range(4)), Rows(range(4, 7))
    return Parts(Rows(range(7)), *((part, given and part.count)
                                   for part, given in zip((first, rest), sizes_given)))


@pytest.mark.parametrize("sizes_given", [(True, None), (None, True)])
def test_pages_run_on_from_one_part_into_the_next(sizes_given):
    rows = parts(*sizes_given)
    pages = Paginator(rows, 3)
    assert pages.count == 7 and pages.num_pages == 3
    assert [pages.page(n).object_list for n in (1, 2, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert rows[4:] == [4, 5, 6] and rows[:2] == [0, 1] and rows[2] == 2 and rows[7:9] == []


def test_each_count_is_read_once():
    rows, Rows.counted = parts(True, None), 0
    for page in Paginator(rows, 2):
        list(page)
    assert Rows.counted == 2  # the whole and the first part; the rest is what they leave


@pytest.mark.parametrize("sizes_given", [(None, None), (True, True)])
def test_exactly_one_part_is_what_the_others_leave(sizes_given):
    with pytest.raises(ValueError):
        parts(*sizes_given)


def test_it_is_sliced_forwards_only():
    with pytest.raises(ValueError):
        parts(True, None)[-2:]
