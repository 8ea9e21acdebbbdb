"""Querysets compiled once per process and run again with new ids (``prepared``), as
SQLAlchemy's baked queries are.

Building a queryset and compiling it into SQL is a third of a customer card's CPU: some 0.8 ms
for each of its dozen queries, more than the database takes to answer most of them. A hot page's
queries differ between requests only in an id or two (the customer's, the reader's), so
``prepared(build)`` calls ``build`` once with marker ids, compiles the queryset, finds where
each marker sits among the SQL's parameters, and from then on runs that SQL with the call's ids
in those places, turning the rows into what the queryset would have given: model instances with
their ``select_related`` objects and annotations, or the rows of ``values_list``, each value
through the fields' converters.

``build`` takes ids (integers) and must give a queryset that depends on nothing else that can
change (the clock, the language, a setting): under the tests (``settings.PREPARED_CHECK``) every
call also builds and compiles the queryset anew and compares the SQL and the parameters, so a
build that would go stale, or an id the SQL inlines rather than passes, fails there. The objects
a related manager would attach (``customer.transactions`` sets each row's customer) are not
attached: a build names its filter directly.
"""

import copy
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

#: Marker ids the first build is called with: no real id comes near them (a bigint's range ends
#: at 9.2 * 10^18), and no constant of a query equals them.
MARKER = 7_340_032_000_000_001


class Prepared:
    def __init__(self, build: Callable):
        self.build = build
        self._compiled: dict[str, tuple] = {}

    def __call__(self, *ids: int, using: str = "default") -> list:
        compiled = self._compiled.get(using) or self._compile(len(ids), using)
        compiler, sql, constants, slots, make = compiled
        params = list(constants)
        for position, index in slots:
            params[position] = ids[index]
        if getattr(settings, "PREPARED_CHECK", False):
            fresh = self.build(*ids).query.get_compiler(using=using).as_sql()
            assert (fresh[0], tuple(fresh[1])) == (sql, tuple(params)), ("prepared query went stale", self.build)
        run = copy.copy(compiler)  # (the compiled state is shared and only read)
        run.connection = connections[using]  # this thread's
        run.as_sql = lambda *args, **kwargs: (sql, params)
        return make(run)

    def _compile(self, count: int, using: str) -> tuple:
        queryset = self.build(*(MARKER + index for index in range(count)))
        compiler = queryset.query.get_compiler(using=using)
        sql, constants = compiler.as_sql()
        slots = [(position, value - MARKER) for position, value in enumerate(constants)
                 if isinstance(value, int) and MARKER <= value < MARKER + count]
        missing = set(range(count)) - {index for _position, index in slots}
        if missing:
            raise ValueError(f"id {sorted(missing)} of {self.build} is not a parameter of its SQL")
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):  # (flat or named rows, values())
            raise ValueError(f"{self.build} gives {queryset._iterable_class.__name__}: instances or values_list rows only")
        make = _instances(compiler, using) if queryset._iterable_class is ModelIterable else _rows
        self._compiled[using] = compiled = (compiler, sql, tuple(constants), slots, make)
        return compiled


def prepared(build: Callable) -> Prepared:
    """``build`` (ids -> queryset) compiled once, run as ``prepared(build)(*ids)`` -> list."""
    return Prepared(build)


def _rows(compiler) -> list:
    return list(compiler.results_iter(compiler.execute_sql(), tuple_expected=True))


def _instances(compiler, using: str) -> Callable:
    """What ``ModelIterable`` makes of the rows, with the compiled query's layout worked out once."""
    select, klass_info, annotations = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, using)

    def make(run) -> list:
        found = []
        for row in run.results_iter(run.execute_sql()):
            obj = model.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotations or {}).items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    return make
