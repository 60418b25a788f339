"""Events other parts listen to (the accountability trail, the demo data of higher apps)."""

from django.dispatch import Signal

# Sent when someone invites a new person to the portal (kwargs: user, by, request, area_code:
# where the invitation's role is). `by` is None for the system (import_people without --by).
person_invited = Signal()

# Sent when someone downloads an export (kwargs: by, what: a short name such as
# "viewing_audit_csv", area_code: the area it covers or "", rows: how many, request, and
# optionally filters: {name: value as text}). audit.exports.csv_download sends it for its CSVs.
exported = Signal()

# Sent by `seed_demo` once the demo areas and users exist (kwargs: stdout, to print a line;
# password, the demo users' password, for demo users the apps add),
# so that apps above kelurahan add their own demo data (cameras, agencies ...).
demo_seeded = Signal()

# Sent by the public page (reports.public) when it computes its figures (kwargs: now). Apps
# that hold a public figure answer with a list of {"key", "label", "value", "unit"} dicts; the
# page shows each figure it receives, so a figure appears exactly when its app is installed
# (the maintenance app's median time to repair, for one).
public_figures_wanted = Signal()
