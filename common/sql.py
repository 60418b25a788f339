"""Set-based writes in one statement each, built from querysets so that they read the same on
SQLite and PostgreSQL: INSERT ... SELECT (`insert_select`) and UPDATE ... RETURNING
(`update_returning`); and `IsoFormat`, a datetime as Python's isoformat() writes it, for JSON
built in SQL.

One statement is atomic on its own: a sweep that writes with these needs no transaction (and
pays no BEGIN, COMMIT or savepoint for one).
"""

from django.db import connection
from django.db.models import Func, TextField
from django.db.models.sql import UpdateQuery


def insert_select(model, parts, *, returning=("pk",)):
    """Insert into `model`'s table the rows `parts` select, in one INSERT ... SELECT (several
    parts: their UNION ALL) ... ON CONFLICT DO NOTHING RETURNING `returning`.

    Each part is (queryset, {field name of `model`: expression over the queryset's model}); the
    parts name the same fields in the same order. A row a unique constraint refuses is skipped,
    with no savepoint needed. `returning`: names of `model`'s fields, or `link__field` for a
    field of the row a foreign key points at (read by a subquery in the RETURNING clause).
    Returns the inserted rows' values, converted as the ORM converts them, in no set order."""
    selects, params, names = [], [], None
    for queryset, columns in parts:
        if names is None:
            names = list(columns)
        elif list(columns) != names:
            raise ValueError("every part must name the same fields in the same order")
        if not queryset.query.where:
            # SQLite would read the ON of ON CONFLICT as a join's.
            raise ValueError("every part must filter its rows")
        aliases = {f"insert_{name}": expression for name, expression in columns.items()}
        rows = queryset.order_by().annotate(**aliases).values_list(*aliases)
        sql, part_params = rows.query.get_compiler(connection=connection).as_sql()
        selects.append(sql)
        params.extend(part_params)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    targets = ", ".join(qn(model._meta.get_field(name).column) for name in names)
    fields, columns = zip(*(_returned(model, name) for name in returning), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({targets}) {' UNION ALL '.join(selects)} "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {', '.join(columns)}",
            params,
        )
        rows = cursor.fetchall()
    return _converted(rows, fields)


def update_returning(queryset, returning, **values):
    """`queryset.update(**values)` in one UPDATE ... RETURNING `returning` (names of the model's
    fields): returns the updated rows' values, converted as the ORM converts them."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    model = queryset.model
    fields = [model._meta.pk if name == "pk" else model._meta.get_field(name) for name in returning]
    return query.get_compiler(queryset.db).execute_returning_sql(fields)


def _returned(model, name):
    """(field, SQL) of one returned column: a field of the inserted row, or `link__field`."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    if "__" not in name:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return field, f"{table}.{qn(field.column)}"
    link_name, field_name = name.split("__")
    link = model._meta.get_field(link_name)
    field = link.related_model._meta.get_field(field_name)
    linked = qn(link.related_model._meta.db_table)
    where = f"linked.{qn(link.target_field.column)} = {table}.{qn(link.column)}"
    return field, f"(SELECT linked.{qn(field.column)} FROM {linked} linked WHERE {where})"  # noqa: S608


def _converted(rows, fields):
    """`rows` as the ORM reads them (SQLite's text as datetimes, JSON text as Python, ...)."""
    steps = []
    for field in fields:
        col = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        steps.append((col, converters))

    def convert(value, col, converters):
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return [
        tuple(convert(value, *step) for value, step in zip(row, steps, strict=True)) for row in rows
    ]


class IsoFormat(Func):
    """A datetime column as text, exactly as Python's `isoformat()` writes the value the ORM
    reads from it: UTC with "+00:00", and microseconds only when there are some."""

    arity = 1
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite datetimes as UTC text, "YYYY-MM-DD HH:MM:SS" and an optional
        # fraction of one to six digits (three from strftime's %f), read as microseconds.
        moment, params = compiler.compile(self.source_expressions[0])
        fraction = f"substr({moment}, 21)"
        sql = (
            f"strftime('%%Y-%%m-%%dT%%H:%%M:%%S', {moment}) || CASE WHEN rtrim({fraction}, '0') "
            f"= '' THEN '' ELSE '.' || substr({fraction} || '000000', 1, 6) END || '+00:00'"
        )
        return sql, (*params, *params, *params)

    def as_postgresql(self, compiler, connection, **extra):
        moment, params = compiler.compile(self.source_expressions[0])
        utc = f"({moment} AT TIME ZONE 'UTC')"
        sql = (
            f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN to_char({utc}, 'US') """
            f"= '000000' THEN '' ELSE to_char({utc}, '.US') END || '+00:00'"
        )
        return sql, (*params, *params, *params)
