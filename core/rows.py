"""Model instances from SQL written by hand, loaded as the ORM loads them.

The article page's few queries are written as SQL: building and compiling
them with the ORM took longer than the database took to run them, on every
cold render. Reading their rows through RawQuerySet cost more again (0.8 ms
for four story cards, against 0.4 ms for the query itself). ModelRows reads
them the way the ORM's select_related does, with nothing worked out per row:
it names the columns of one or more models side by side, converts each
value as the ORM would (the backend's converters, then the field's) and
makes each instance as Model.from_db() would (loaded()), without Model.__init__'s work for
each of the model's fields.
"""

import inspect
import weakref

from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute

_BUILT = weakref.WeakKeyDictionary()  # {connection: {key: what build(connection) made}}


def once_per_connection(connection, key, build):
    """build(connection), made once per database connection and key, then kept.

    What depends on the connection (its quoting, its converters) is made for
    it; a new connection gets its own.
    """
    known = _BUILT.setdefault(connection, {})
    if key not in known:
        known[key] = build(connection)
    return known[key]


class AfterLoad:
    """A model mixin: after_load() runs on each instance loaded from the database, whether
    the ORM loads it (from_db()) or ModelRows does (loaded()).

    For a model whose instances need more than Django's from_db() gives them:
    loaded() makes its instances faster only when from_db() is Django's own or
    this one.
    """

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance.after_load()
        return instance

    def after_load(self):
        pass


_PLAIN_LOADS = {Model.from_db.__func__, AfterLoad.from_db.__func__}


def loaded(model, db, attnames):
    """A function of a row's values giving model.from_db(db, attnames, values), faster.

    from_db() makes a value for every concrete field of the model (a story has
    40) and then Model.__init__ sets each one: 20 µs for a story card of 11
    fields where this takes 3 (on a busy machine), and a story page loads some
    25 instances. Here the values are put
    where Model.__init__ would put them: in the instance's __dict__, except
    where the class has a descriptor that sets them (a file field's), which
    sets them. The same instance in every way: its state, its deferred fields;
    model.from_db() itself makes it for a model whose from_db() or __init__()
    is its own (after_load() instead: AfterLoad), or while a receiver listens
    to pre_init or post_init, which Model.__init__ sends.
    """
    if model.__init__ is not Model.__init__ or model.from_db.__func__ not in _PLAIN_LOADS:
        return lambda values: model.from_db(db, attnames, values)
    attnames = tuple(attnames)
    # A foreign key's id descriptor sets the value only, on an instance with nothing cached.
    plain = all(_stores_only(model, attname) for attname in attnames)
    after_load = getattr(model, "after_load", None)

    def make(values):
        if _listened(signals.pre_init, model) or _listened(signals.post_init, model):
            return model.from_db(db, attnames, values)
        instance = model.__new__(model)
        state = instance._state = ModelState()
        state.adding, state.db = False, db
        if plain:
            instance.__dict__.update(zip(attnames, values))
        else:
            for attname, value in zip(attnames, values):
                setattr(instance, attname, value)
        if after_load is not None:
            instance.after_load()
        return instance

    return make


def _listened(signal, model):
    # Signal.send()'s own first look: most sites connect no receiver to either.
    return bool(signal.receivers) and signal.has_listeners(model)


def _stores_only(model, attname):
    """Whether setting attname on a new instance only puts the value in its __dict__."""
    attribute = inspect.getattr_static(model, attname, None)
    return (type(attribute) is ForeignKeyDeferredAttribute
            or not hasattr(type(attribute), "__set__"))


class ModelRows:
    """One model's rows, the rows its foreign keys point to beside them, and their instances.

    The model's table is under `alias`; names: the fields read (None: every
    concrete field). related: (foreign key, alias, names) of each joined
    row, set on the instance as that relation; a joined row whose primary
    key is NULL (an outer join found nothing) is set as None. Each part's
    names must include its primary key, and its columns come in the model's
    field order, whatever the order of the names. extra: (name, expression)
    of values after the models' columns (a RawSQL, another model's Col),
    set on the instance as attributes.
    """

    def __init__(self, connection, model, alias, names=None, related=(), extra=()):
        self.connection = connection
        self.relations = [relation for relation, _, _ in related]
        self.parts, columns = [], []
        for part_model, part_alias, part_names in [
                (model, alias, names),
                *((model._meta.get_field(relation).related_model, related_alias, related_names)
                  for relation, related_alias, related_names in related)]:
            fields = self._fields(part_model, part_names)
            columns += [f"{part_alias}.{connection.ops.quote_name(field.column)}"
                        for field in fields]
            attnames = [field.attname for field in fields]
            self.parts.append((loaded(part_model, connection.alias, attnames), len(attnames),
                               [field.primary_key for field in fields].index(True),
                               self._conversions([field.get_col(part_alias) for field in fields])))
        self.columns = ", ".join(columns)
        self.extra_names = [extra_name for extra_name, _ in extra]
        self.extra = self._conversions([expression for _, expression in extra])

    @staticmethod
    def _fields(model, names):
        """The fields read, in the model's own order, as Model.from_db() takes them."""
        fields = [field for field in model._meta.concrete_fields
                  if names is None or field.name in names]
        if names is not None and len(fields) != len(set(names)):
            raise ValueError(f"Not all of {names} are {model.__name__}'s concrete fields.")
        if not any(field.primary_key for field in fields):
            raise ValueError(f"{model.__name__}'s part must hold its primary key.")
        return fields

    def _conversions(self, expressions):
        """[(index, expression, converters)] of the values that need converting."""
        connection = self.connection
        return [(index, expression, converters) for index, expression in enumerate(expressions)
                if (converters := connection.ops.get_db_converters(expression)
                    + expression.get_db_converters(connection))]

    def _converted(self, values, conversions):
        for index, expression, converters in conversions:
            for convert in converters:
                values[index] = convert(values[index], expression, self.connection)
        return values

    def instance(self, row):
        """The row's instance, its related rows and extra values set on it."""
        start, instances = 0, []
        for make, count, pk_index, conversions in self.parts:
            values = list(row[start:start + count])
            start += count
            instances.append(None if values[pk_index] is None
                             else make(self._converted(values, conversions)))
        instance, *related = instances
        for relation, value in zip(self.relations, related):
            setattr(instance, relation, value)
        for extra_name, value in zip(self.extra_names,
                                     self._converted(list(row[start:]), self.extra)):
            setattr(instance, extra_name, value)
        return instance

    def fetch(self, sql, params):
        """[instance(row) for each row] of the query, which selects self.columns first."""
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [self.instance(row) for row in cursor.fetchall()]
