"""What saves that race each other wait on, until their transaction ends.

A form's or an import's checks read only what is committed: two saves at once
both passed them, and the second failed at its commit on a key or a unique
index, a 500 that lost what was typed. Held here, the later save waits for the
earlier one and then finds what it did: a form error, or a line of the import
that says so. On SQLite, whose write lock holds the whole database, the rows
are only looked for.
"""

from django.db import router, transaction


def claimed_alone(model, field, value):
    """Wait, in the save's transaction, until no other save claiming value (in any case)
    for model's unique field is under way: held until the transaction ends (PostgreSQL's
    advisory lock; SQLite's write lock holds the whole database already).

    A form's check that a value is free reads only what is committed: two saves
    at once both passed it, and the second failed at its INSERT on the unique
    index, a 500 that lost what was typed. Now it waits for the first's commit,
    then finds the value taken: a form error.
    """
    connection = _claiming(model)
    if connection is None:
        return
    with connection.cursor() as cursor:
        # Shared first: a save claiming every value (all_claimed) waits for this one, or
        # this one for it.
        cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))",
                       [_all_key(model, field)])
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                       [f"{_all_key(model, field)}:{str(value).casefold()}"])


# Values claimed_each() claims one by one; more, and it claims the whole field in one lock.
# PostgreSQL's lock table holds some 6,400 to 12,000 locks by default (max_locks_per_transaction
# × the connections), shared by every transaction: an import claiming each of thousands of
# tags and stories failed with "out of shared memory".
CLAIMED_ONE_BY_ONE = 500


def claimed_each(model, field, values):
    """claimed_alone() for each of values, in order; for more than CLAIMED_ONE_BY_ONE of them,
    all_claimed() instead, and every save claiming a value of the field waits for this
    transaction's end."""
    values = sorted(set(values))
    if len(values) > CLAIMED_ONE_BY_ONE:
        all_claimed(model, field)
        return
    for value in values:
        claimed_alone(model, field, value)


def all_claimed(model, field):
    """claimed_alone() for every value of model's field at once, in one lock: wait until no
    save claiming one is under way, and make every save that claims one wait for the
    transaction's end.

    For an import naming more new values than fit in PostgreSQL's lock table
    (claimed_each).
    """
    connection = _claiming(model)
    if connection is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                       [_all_key(model, field)])


def _claiming(model):
    """The connection to claim on, or None where nothing is claimed (SQLite, or no
    transaction)."""
    connection = transaction.get_connection(router.db_for_write(model))
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return None
    return connection


def _all_key(model, field):
    """The claims' key for the whole field; a value's key is it, a colon and the value."""
    return f"{model._meta.db_table}.{field}"


# The row locks still_there() may take: what they make wait (PostgreSQL's row-level locks).
HOLDS = {"KEY SHARE", "SHARE", "NO KEY UPDATE"}


def still_there(obj, hold="KEY SHARE"):
    """Whether obj's row is still stored; on PostgreSQL it stays so until the transaction
    ends. FOR KEY SHARE: a deletion waits, a save referring to it does not. FOR SHARE
    (hold="SHARE"): a save that locks the row FOR NO KEY UPDATE first waits too. FOR NO
    KEY UPDATE (hold="NO KEY UPDATE"): for a save of obj itself, which then finds it
    deleted meanwhile (Django's save() inserts a row its UPDATE did not find: the
    deleted row back).

    For a row a form's choice refers to: the foreign key is checked only at
    the commit, so a row deleted meanwhile failed the save there, a 500 that
    lost what was typed, where a form error keeps it.
    """
    if hold not in HOLDS:
        raise ValueError(f"hold is one of {sorted(HOLDS)}, not {hold!r}")
    model = obj._meta.model  # not type(obj): request.user is a lazy object
    connection = transaction.get_connection(router.db_for_write(model))
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return model._default_manager.filter(pk=obj.pk).exists()
    quote_name = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {quote_name(model._meta.db_table)} WHERE "
                       f"{quote_name(model._meta.pk.column)} = %s FOR {hold}", [obj.pk])
        return cursor.fetchone() is not None


def kept_until_commit(rows):
    """The rows of a values_list() queryset, locked against deletion and a new key (slug,
    name, username) until the commit: PostgreSQL's FOR KEY SHARE, where an editor's save of
    the rest goes on; SQLite's write lock covers them. still_there() for many rows at once.

    For the rows an import names but does not write: the related stories, the
    authors and reviewing editors, the sections and the tags it files stories in.
    """
    connection = transaction.get_connection(router.db_for_write(rows.model))
    if connection.vendor != "postgresql":
        return list(rows)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR KEY SHARE", params)
        return cursor.fetchall()
