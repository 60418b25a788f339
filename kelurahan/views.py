from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from kelurahan.access import live_grants, maintainer_ids, scope_codes
from kelurahan.models import Area, Maintainer
from kelurahan.roles import Action, Level


@login_required
def home(request):
    visible = Area.objects.visible_to(request.user)
    grants = sorted(
        (g for g in live_grants(request.user) if g.area_code is not None), key=lambda g: g.area_code
    )
    areas = {a.code: a for a in Area.objects.filter(code__in=[g.area_code for g in grants])}
    maintainers = Maintainer.objects.filter(
        pk__in=maintainer_ids(request.user, Action.VIEW_TICKETS)
    )
    context = {
        "assignments": [(grant, areas[grant.area_code]) for grant in grants],
        "maintainers": maintainers,
        "counts": _level_counts(visible),
    }
    return render(request, "kelurahan/home.html", context)


@login_required
def area_list(request):
    query = request.GET.get("q", "").strip()
    if query:
        matches = Q(name__icontains=query) | Q(code__startswith=query)
        areas = Area.objects.visible_to(request.user).filter(matches)[:200]
    else:
        areas = Area.objects.filter(code__in=scope_codes(request.user))
    return render(request, "kelurahan/area_list.html", {"areas": areas, "query": query})


@login_required
def area_detail(request, code):
    area = get_object_or_404(Area.objects.visible_to(request.user), code=code)
    children = area.children.annotate(child_count=Count("children"))
    context = {
        "area": area,
        "children": children,
        "counts": _level_counts(Area.objects.under(area.code).exclude(code=area.code)),
    }
    return render(request, "kelurahan/area_detail.html", context)


def _level_counts(areas):
    """How many areas of each level below the province, in one query."""
    counts = areas.aggregate(
        **{level.value: Count("code", filter=Q(level=level)) for level in Level}
    )
    return [(Level(level).label, n) for level, n in counts.items() if n and level != Level.PROVINSI]


@login_required
def account(request):
    has_totp = Authenticator.objects.filter(
        user=request.user, type=Authenticator.Type.TOTP
    ).exists()
    context = {"has_totp": has_totp}
    return render(request, "kelurahan/account.html", context)
