"""`field__any_of=[…]`: membership in a list, sent as one parameter on PostgreSQL.

Drains look up hundreds of segment keys at a time. An `__in` list sends one parameter per key, which psycopg
splices into the statement and PostgreSQL parses key by key (about 12 ms of each 430-key batch went there),
and a text array is checked element by element for quoting. So on PostgreSQL the values travel as one
string, split in the database on a control character none of them contains (`= ANY(string_to_array(…))`);
elsewhere (SQLite) it is an ordinary IN list.
"""

from django.db.models import CharField, Lookup

_SEPARATOR = "\x1f"  # ASCII unit separator


@CharField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [str(value) for value in self.rhs]
        if not values:
            return "1 = 0", list(lhs_params)
        if connection.vendor == "postgresql":
            joined = _SEPARATOR.join(values)
            if joined.count(_SEPARATOR) == len(values) - 1:  # no value holds the separator itself
                return f"{lhs} = ANY(string_to_array(%s, %s))", [*lhs_params, joined, _SEPARATOR]
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
