"""Reading a CSV roster of people and roles: the columns, one row's cells checked into a `Row`
(with its problems), the report of what an import found. kelurahan/people/importing.py applies
the rows."""

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import EARLIEST, LATEST, out_of_years
from kelurahan.people.services import NAME_MAX_LENGTH, USERNAME_MAX_LENGTH
from kelurahan.roles import Role

REQUIRED_COLUMNS = ("username", "role", "area_code")
COLUMNS = ("username", "email", "first_name", "last_name", "role", "area_code", "valid_until")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")
BATCH = 500
MAX_ROWS = 20_000
# Role names as people write them in a spreadsheet, besides the codes themselves.
ROLE_ALIASES = {
    "admin provinsi": Role.ADMIN_PROVINSI,
    "operator": Role.OPERATOR,
    "operator kota/kecamatan": Role.OPERATOR,
    "staf": Role.STAF_KELURAHAN,
    "staf kelurahan": Role.STAF_KELURAHAN,
    "piket": Role.PETUGAS_PIKET,
    "petugas piket": Role.PETUGAS_PIKET,
    "fkdm": Role.RELAWAN_FKDM,
    "relawan fkdm": Role.RELAWAN_FKDM,
}


class ImportRejected(Exception):
    """The file as a whole cannot be read (not CSV, missing columns); nothing was written."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Report:
    """What an import found (dry run) or did. Lists hold plain dicts, so that the upload page
    can keep a report as JSON between the dry run and applying it."""

    new_people: list = field(default_factory=list)  # {line, username, name, email}
    new_assignments: list = field(default_factory=list)  # {line, username, role, area, until}
    skipped: list = field(default_factory=list)  # {line, username, reason}
    rejected: list = field(default_factory=list)  # {line, username, problems}
    rows: int = 0
    invited: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def as_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(**data) if data else cls()


def rejection_text(row):
    where = _("Baris %d") % row["line"]
    if row["username"]:
        where += f" ({row['username']})"
    return f"{where}: {' '.join(row['problems'])}"


def read_csv(text):
    """The rows of a roster as (line number, {column: text}); raises ImportRejected."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        columns = [(name or "").strip().lower() for name in reader.fieldnames or []]
        _check_header(columns)
        reader.fieldnames = columns
        rows = []
        for row in reader:
            rows.append((reader.line_num, row))
            if len(rows) > MAX_ROWS:
                raise ImportRejected(
                    [_("Berkas terlalu besar: paling banyak %d baris sekali impor.") % MAX_ROWS]
                )
    except csv.Error as error:
        raise ImportRejected([_("Berkas CSV rusak: %s") % error]) from error
    return rows


def read_file(path):
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ImportRejected([_("Berkas harus berupa teks UTF-8.")]) from error


def _check_header(columns):
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c and c not in COLUMNS]
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    errors = []
    if missing:
        errors.append(_("Kolom wajib tidak ada: %s.") % ", ".join(missing))
        if len(columns) == 1 and ";" in columns[0]:
            errors.append(_("Pisahkan kolom dengan koma (,), bukan titik koma (;)."))
    if unknown:
        errors.append(_("Kolom tidak dikenal: %s.") % ", ".join(unknown))
    if doubled:
        errors.append(_("Kolom muncul dua kali: %s.") % ", ".join(doubled))
    if errors:
        raise ImportRejected(errors)


@dataclass
class Row:
    line: int
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    role: str = ""
    area: str = ""
    valid_until: datetime | None = None
    problems: list = field(default_factory=list)


# --- Reading one row --------------------------------------------------------------------------


def _parse(line, cells):
    row = Row(line)
    if None in cells or None in cells.values():
        row.problems.append(_("Jumlah kolom tidak sama dengan baris judul."))
        return row
    value = {column: (cells.get(column) or "").strip() for column in COLUMNS}
    row.username = value["username"].lower()
    row.email = value["email"].lower()
    row.first_name, row.last_name = value["first_name"], value["last_name"]
    row.area = value["area_code"]
    for parse in (_username, _email, _names, _role, _area, _valid_until):
        try:
            parse(row, value)
        except ValueError as error:
            row.problems.append(str(error))
    return row


def _username(row, value):
    if not row.username:
        raise ValueError(_("username: wajib diisi."))
    if len(row.username) > USERNAME_MAX_LENGTH:
        raise ValueError(_("username: paling panjang %d karakter.") % USERNAME_MAX_LENGTH)
    try:
        UnicodeUsernameValidator()(row.username)
    except ValidationError:
        raise ValueError(
            _("username: %r hanya boleh berisi huruf, angka dan . @ + - _") % value["username"]
        ) from None


def _email(row, value):
    if not row.email:
        return
    try:
        validate_email(row.email)
    except ValidationError:
        raise ValueError(_("email: %r bukan alamat email.") % value["email"]) from None


def _names(row, value):
    for column in ("first_name", "last_name"):
        if len(value[column]) > NAME_MAX_LENGTH:
            raise ValueError(
                _("%(column)s: paling panjang %(n)d karakter.")
                % {
                    "column": column,
                    "n": NAME_MAX_LENGTH,
                }
            )


def _role(row, value):
    raw = value["role"]
    if not raw:
        raise ValueError(_("role: wajib diisi."))
    name = " ".join(raw.lower().replace("_", " ").split())
    role = ROLE_ALIASES.get(name) or next(
        (r for r in Role if name in {r.value.replace("_", " "), str(r.label).lower()}), None
    )
    if role is None:
        allowed = ", ".join(Role.values)
        raise ValueError(
            _("role: %(value)r tidak dikenal (pilihan: %(allowed)s).")
            % {"value": raw, "allowed": allowed}
        )
    row.role = role


def _area(row, value):
    if not row.area:
        raise ValueError(_("area_code: wajib diisi."))


def _valid_until(row, value):
    raw = value["valid_until"]
    if not raw:
        return
    moment, through_the_day = None, ":" not in raw
    for moment_format in DATE_FORMATS if through_the_day else DATETIME_FORMATS:
        try:
            moment = datetime.strptime(raw, moment_format)  # noqa: DTZ007 (WIB, see below)
            break
        except ValueError:
            continue
    if moment is None:
        raise ValueError(
            _("valid_until: %r bukan tanggal (TTTT-BB-HH, HH/BB/TTTT, boleh dengan jam JJ:MM).")
            % raw
        )
    if not EARLIEST <= moment.date() <= LATEST:  # the year 1 or 9999 would overflow below
        raise ValueError(f"valid_until: {out_of_years()}")
    if through_the_day:
        moment += timedelta(days=1)  # a date means through that whole day (WIB)
    moment = timezone.make_aware(moment)
    if moment <= timezone.now():
        raise ValueError(_("valid_until: %r sudah lewat.") % raw)
    row.valid_until = moment
