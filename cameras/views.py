from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from cameras.models import Camera


@login_required
def camera_detail(request, pk):
    camera = get_object_or_404(Camera.objects.visible_to(request.user), pk=pk)
    return render(request, "cameras/camera_detail.html", {"camera": camera})
