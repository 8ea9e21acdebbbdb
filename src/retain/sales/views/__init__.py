"""Sales pages, one module per part of the showroom's paperwork; each exposes ``urlpatterns``."""
