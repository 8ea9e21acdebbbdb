"""Sales pages: work."""

urlpatterns = []
