"""The demo's data while it is drawn: the tables of columns, and the organisation and customer
draws that later parts (vehicles, transactions, the showroom's year in ``sales``) build on.

Its own module so that ``generate`` and ``sales`` both read it without importing each other.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class DemoData:
    """Columns per model label ("app.Model"), in the order they must be inserted."""

    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where

    def count(self, label: str) -> int:
        return len(next(iter(self.tables[label].values())))


@dataclass
class Org:
    dealer_city: np.ndarray
    dealer_plate: np.ndarray
    dealer_district: np.ndarray
    first_consultant: np.ndarray  # staff id of each dealer's first consultant
    consultants_per_dealer: int


@dataclass
class Customers:
    id: np.ndarray
    dealer: np.ndarray  # index into dealers
    owner: np.ma.MaskedArray
    classification: np.ndarray
    created: np.ndarray  # datetime64[s]
    birth: np.ndarray  # first service visit, weeks after START (NaN: no service history)
    segment: np.ndarray  # segment name or ""
    org: Org
