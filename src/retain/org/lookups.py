"""``<key>__any=[ids]``: a key among a list of ids, sent as one array parameter.

A region's or the group's scope is a list of dealer ids (``policy.scope_filter``), and every
scoped query carries it; the card asks ten scoped questions of the record in one query. As
``__in``, each id is one parameter: a hundred dealers cost the group administrator's queries
0.2 ms each to compile and 0.4 ms more to send and plan (1,000 parameters for the card's one
query). PostgreSQL reads ``IN (...)`` as ``= ANY(array)`` anyway, so the plans are the same
(the dealer-led indexes probed once per dealer); SQLite has no arrays and gets the list."""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, Lookup


@ForeignKey.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]
        if not self.rhs:
            raise EmptyResultSet  # as ``__in`` with no values: matches nothing
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]
