"""Loading people and their roles from a CSV roster (FKDM volunteers per kelurahan, HR lists):
`python manage.py import_people` and the upload page under /kelola/orang/impor/.

Columns: username, email, first_name, last_name, role, area_code, valid_until. A username that
does not exist yet becomes a new person (with no password: an invitation or "lupa kata sandi"
lets them set one); each row adds its role to the person, unless they hold it already (the row
is skipped, so the same roster can be run again). A bad row is rejected with its line number and
the reason; the good rows are still imported, in one transaction, with bulk queries.

The importer is held to the rules of the management pages: a row may only grant a role ranked
below the importer's own, in an area where the importer manages roles, at a level the role is
given at. An existing account is only given a role when the importer already sees the person
(manageable_by) or the row names the account's own email as well.
"""

import csv
import io
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import EARLIEST, LATEST, out_of_years
from common.progress import progress
from kelurahan.access import grant_problem, level_problem, live_grants, own_assignment_problem
from kelurahan.models import Area, RoleAssignment, User
from kelurahan.people import NAME_MAX_LENGTH, USERNAME_MAX_LENGTH, send_invitations
from kelurahan.roles import Role
from kelurahan.signals import person_invited

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


# --- The import -------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    role: str = ""
    area: str = ""
    valid_until: datetime | None = None
    problems: list = field(default_factory=list)


@dataclass
class _Plan:
    people: dict = field(default_factory=dict)  # username -> new User
    # (username of a new person, or None when the assignment already names its user)
    assignments: list = field(default_factory=list)


def import_people(
    text,
    *,
    by,
    dry_run=False,
    invite=False,
    base_url=None,
    request=None,
    stream=None,
    on_progress=None,
):
    """Check every row of a roster (CSV text) and, unless `dry_run`, import the good ones.

    `by` is the manager importing (their rights apply), or None for the system itself (the
    command run without --by): any role, anywhere, granted by nobody.

    With `invite`, every new person with an email gets an invitation once the import has
    committed (`base_url` or `request` gives the portal's address for the link). `stream`
    takes a progress bar (the command), `on_progress(phase, done, total)` a page's progress.
    """
    started = time.monotonic()
    rows = read_csv(text)
    report = Report(rows=len(rows), dry_run=dry_run)
    with transaction.atomic():
        if by is not None:
            live_grants(by, fresh=True)
        plan = _check(
            rows, by=by, report=report, lock=not dry_run, stream=stream, on_progress=on_progress
        )
        if not dry_run:
            if on_progress:
                on_progress("write", 0, len(plan.assignments))
            created = _write(plan, by=by)
            if invite:
                areas = {a.user_id: a.area_id for _name, a in plan.assignments}
                for person in created:
                    person_invited.send(
                        sender=User, user=person, by=by, request=request, area_code=areas[person.pk]
                    )
    if not dry_run and invite:
        invitees = [person for person in created if person.email]
        if on_progress:
            on_progress("invite", 0, len(invitees))
        for start in range(0, len(invitees), 50):
            batch = invitees[start : start + 50]
            report.invited += send_invitations(
                batch, by=by, base_url=base_url or request.build_absolute_uri("/")
            )
            if on_progress:
                on_progress("invite", start + len(batch), len(invitees))
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _check(rows, *, by, report, lock, stream, on_progress):
    parsed = [_parse(line, row) for line, row in rows]
    known = _Known.load(parsed, by=by, lock=lock)
    plan, seen, rules = _Plan(), {}, {}
    label = _("Memeriksa baris")
    counted = progress(parsed, total=len(parsed), label=label, stream=stream) if stream else parsed
    for done, row in enumerate(counted, start=1):
        if on_progress and (done % 100 == 0 or done == len(parsed)):
            on_progress("check", done, len(parsed))
        if not row.problems:
            _check_row(row, by=by, known=known, plan=plan, seen=seen, report=report, rules=rules)
        if row.problems:
            report.rejected.append(
                {"line": row.line, "username": row.username, "problems": row.problems}
            )
    return plan


def _check_row(row, *, by, known, plan, seen, report, rules):
    """Sort one well-formed row into a new person and/or assignment, a skip, or problems.
    `rules` remembers the answer for each (role, area): a roster repeats them."""
    if row.area not in known.areas:
        row.problems.append(_("area_code: kode wilayah %s tidak dikenal.") % row.area)
        return
    key = (row.role, row.area)
    if key not in rules:
        rules[key] = grant_problem(by, *key) if by else level_problem(*key)
    if problem := rules[key]:
        row.problems.append(f"{'role' if problem[0] == 'role' else 'area_code'}: {problem[1]}")
        return
    person = known.users.get(row.username)
    if person is not None and (problem := own_assignment_problem(by, person.pk)):
        row.problems.append(f"username: {problem}")
        return
    if person is not None:
        _check_existing(row, person, known)
    else:
        _check_new(row, known, plan, report)
    if row.problems:
        return
    key = (row.username, row.role, row.area)
    if person is not None and (person.pk, row.role, row.area) in known.held:
        reason = _("%s sudah memegang peran ini di wilayah ini.") % row.username
        report.skipped.append({"line": row.line, "username": row.username, "reason": reason})
    elif key in seen:
        reason = _("sama dengan baris %d.") % seen[key]
        report.skipped.append({"line": row.line, "username": row.username, "reason": reason})
    else:
        seen[key] = row.line
        assignment = RoleAssignment(
            role=row.role, area_id=row.area, valid_until=row.valid_until, granted_by=by
        )
        if person is not None:
            assignment.user = person
        plan.assignments.append((None if person else row.username, assignment))
        report.new_assignments.append(
            {
                "line": row.line,
                "username": row.username,
                "role": row.role,
                "area": row.area,
                "until": row.valid_until.isoformat() if row.valid_until else None,
            }
        )


def _check_existing(row, person, known):
    same_email = bool(row.email) and row.email == person.email.lower()
    if not person.is_active:
        row.problems.append(_("username: akun %s sudah dinonaktifkan.") % row.username)
    elif person.pk not in known.manageable and not same_email:
        # Someone else's account: without its email the row may not touch it.
        row.problems.append(
            _("username: %s sudah dipakai orang lain (tulis email akunnya bila orang yang sama).")
            % row.username
        )
    elif row.email and not same_email:
        row.problems.append(_("email: berbeda dengan email akun %s yang sudah ada.") % row.username)


def _check_new(row, known, plan, report):
    planned = plan.people.get(row.username)
    if planned is not None:  # a later row of a person this file creates: email may be left out
        if row.email and row.email != planned.email:
            row.problems.append(_("email: baris sebelumnya memberi %s email lain.") % row.username)
        return
    if not row.email:
        row.problems.append(_("email: wajib untuk orang baru."))
        return
    owner = known.emails.get(row.email)
    if owner is not None:
        row.problems.append(_("email: %s sudah dipakai akun lain.") % row.email)
        return
    if row.email in known.planned_emails:
        row.problems.append(
            _("email: %(email)s juga dipakai %(other)s di berkas ini.")
            % {"email": row.email, "other": known.planned_emails[row.email]}
        )
        return
    person = User(
        username=row.username,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        # No password yet (set through an invitation or a reset); as make_password(None) makes
        # it, with one call to the random source instead of forty.
        password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
    )
    plan.people[row.username] = person
    known.planned_emails[row.email] = row.username
    name = f"{row.first_name} {row.last_name}".strip()
    report.new_people.append(
        {"line": row.line, "username": row.username, "name": name, "email": row.email}
    )


@dataclass
class _Known:
    """What the database holds about the roster, read in a few bulk queries."""

    areas: set
    users: dict  # lower-case username -> User
    emails: dict  # lower-case email -> username
    manageable: set  # ids of the existing users the importer sees
    held: set  # (user id, role, area code) of current assignments
    planned_emails: dict = field(default_factory=dict)

    @classmethod
    def load(cls, rows, *, by, lock):
        good = [row for row in rows if not row.problems]
        areas = _in_batches(
            lambda part: Area.objects.filter(code__in=part).values_list("code", flat=True),
            {row.area for row in good},
        )
        people = User.objects.select_for_update() if lock else User.objects.all()
        users = {}
        for person in _in_batches(
            lambda part: people.annotate(lower=Lower("username")).filter(lower__in=part),
            {row.username for row in good},
        ):
            users[person.lower] = person
        emails = dict(
            _in_batches(
                lambda part: (
                    User.objects.annotate(lower=Lower("email"))
                    .filter(lower__in=part)
                    .values_list("lower", "username")
                ),
                {row.email for row in good if row.email},
            )
        )
        ids = [person.pk for person in users.values()]
        manageable = set(
            _in_batches(
                lambda part: (
                    User.objects.manageable_by(by).filter(pk__in=part).values_list("pk", flat=True)
                ),
                ids,
            )
        )
        now = timezone.now()
        held = set(
            _in_batches(
                lambda part: RoleAssignment.objects.filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gt=now),
                    user_id__in=part,
                    revoked_at__isnull=True,
                ).values_list("user_id", "role", "area_id"),
                ids,
            )
        )
        return cls(set(areas), users, emails, manageable, held)


def _in_batches(query, values):
    """Run `query(part)` for parts of `values` (SQLite limits a query's parameters)."""
    values, found = sorted(values), []
    for start in range(0, len(values), BATCH):
        found.extend(query(values[start : start + BATCH]))
    return found


def _write(plan, *, by):
    """Create the new people and the assignments; returns the new people.

    bulk_create sends no post_save: it is sent here for every assignment created, so that its
    listeners (the grants cache, open sockets, the accountability trail) see each grant as if
    saved alone. New people need no such notice: nothing of theirs is cached or open yet.
    """
    people = list(plan.people.values())
    User.objects.bulk_create(people, batch_size=BATCH)  # PostgreSQL and SQLite return the ids
    assignments = []
    for username, assignment in plan.assignments:
        if username is not None:
            assignment.user = plan.people[username]  # the object: listeners read it
        assignments.append(assignment)
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    for assignment in assignments:
        post_save.send(
            sender=RoleAssignment,
            instance=assignment,
            created=True,
            update_fields=None,
            raw=False,
            using=RoleAssignment.objects.db,
            bulk_created=True,  # the grants cache: forgotten by bulk_create already
        )
    return people


# --- Reading one row --------------------------------------------------------------------------


def _parse(line, cells):
    row = _Row(line)
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
