"""Sales pages: tables."""

urlpatterns = []
