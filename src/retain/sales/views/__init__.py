"""Sales pages, one module per part of the showroom's paperwork; their addresses are in ``sales.urls``."""
