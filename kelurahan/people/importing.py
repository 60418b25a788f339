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

import secrets
import time
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from common.progress import progress
from kelurahan.access import grant_problem, level_problem, live_grants, own_assignment_problem
from kelurahan.models import Area, RoleAssignment, User
from kelurahan.people.rows import BATCH, Report, _parse, read_csv
from kelurahan.people.services import send_invitations
from kelurahan.signals import person_invited

# --- The import -------------------------------------------------------------------------------


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
