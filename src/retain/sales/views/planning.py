"""Sales pages: planning."""

urlpatterns = []
