"""The session engine (SESSION_ENGINE): Django's cached_db, with each session's account.

Every save writes the signed-in account's id beside the session
(models.Session), whatever changed the session's key since the sign-in (a
password change cycles it), so end_sessions finds all of an account's
sessions by an index instead of decoding every session on the site.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone


# Named SessionStore, as Django's are: the name is in the salt of every stored
# session (SessionBase.key_salt), so those made before this engine still read.
class SessionStore(cached_db.SessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.account_id = _account_id(data)
        return session


def _account_id(data):
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def _store():
    """SESSION_ENGINE's SessionStore if it is this one, which keeps each session's account;
    None for another engine."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store if issubclass(store, SessionStore) else None


def other_sessions(user, session_key):
    """How many sessions besides session_key are signed in to user and not expired; None
    where SESSION_ENGINE cannot tell."""
    store = _store()
    if store is None:
        return None
    return store.get_model_class().objects.filter(
        account_id=user.pk, expire_date__gt=timezone.now()).exclude(
        session_key=session_key).count()


def end_sessions(user, keep=None):
    """Delete every session signed in to user, but the one whose key is keep: from the
    database now, in the caller's transaction, and from the cache once it is committed
    (a deletion rolled back leaves them). Returns how many there were, expired ones
    included.

    Another engine in SESSION_ENGINE keeps no account beside its sessions:
    nothing to do then.
    """
    store = _store()
    if store is None:
        return 0
    sessions = store.get_model_class().objects.filter(account_id=user.pk)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    keys = list(sessions.values_list("session_key", flat=True))
    if not keys:
        return 0
    sessions.delete()
    cache_keys = [store.cache_key_prefix + key for key in keys]
    transaction.on_commit(
        lambda: caches[settings.SESSION_CACHE_ALIAS].delete_many(cache_keys), robust=True)
    return len(keys)
