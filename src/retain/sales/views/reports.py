"""Sales pages: reports."""

urlpatterns = []
