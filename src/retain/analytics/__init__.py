"""Loyalty analytics as a plain Python library: numpy/scipy/pandas in, frozen results out.

Nothing here imports Django, so an analyst can use it from a notebook and the product from its
warehouse jobs alike. Every module validates its input (``ValueError`` naming the problem) and
every estimate is checked in tests against an independent reference.
"""
