"""What every points service does first: find the member through the door (or, for the system,
directly), their programme, and their accounts locked for the transaction; and the optional
idempotency key a service may be given (the worker's earning, a page's form); the refusal for a
state of things (``Conflict``)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.customers.models import Customer
from retain.org.models import Staff

from ..access import access_member
from ..models import Account, Programme, Transfer
from . import keys, ledger


@dataclass
class Member:
    customer: Customer
    programme: Programme
    accounts: dict[str, Account]


def member(actor, customer_id, action: str, *, lock: bool = True) -> Member:
    """The member for ``action``: through the door for staff (404 out of sight, 403 not allowed),
    directly for the system (``actor`` None: jobs, hooks)."""
    if isinstance(actor, Staff):
        customer = access_member(actor, customer_id, action)
    else:
        try:
            customer = Customer.objects.select_related("dealer").get(pk=int(customer_id))
        except (TypeError, ValueError, Customer.DoesNotExist):
            raise Http404(_("No such customer."))
    programme = ledger.programme_for(customer.dealer_id)
    return Member(customer, programme, ledger.member_accounts(programme, customer.pk, lock=lock))


class Conflict(ValidationError):
    """A refusal for the state of things, not the input (the API's 409 with ``code`` as its type)."""

    def __init__(self, field: str, code: str, message: str):
        self.field, self.kind = field, code
        super().__init__({field: [ValidationError(message, code=code)]})


def text(value, field: str, *, required: bool = False) -> str:
    """Free text for a memo or reason: bounded, without NUL; required where a person must say why."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Write it as text.")})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: _("Say why.")})
    errors = {}
    check_fields(Transfer, errors, memo=value)
    if errors:
        raise ValidationError({field: errors["memo"]})
    return value


def once(actor, key: str | None, call: str, params: dict, run) -> Transfer:
    """``run()`` once per (caller, key): a second call with the key and the same parameters gets
    the first call's transfer back; with other parameters ``KeyReused``. No key: run."""
    if key is None:
        return run()
    row, new = keys.claim(actor=actor, key=f"service:{key}", fingerprint=keys.fingerprint(call, params))
    if not new:
        return Transfer.objects.get(pk=row.response["transfer"])
    made = run()
    keys.store(row, 201, {"transfer": made.pk})
    return made
