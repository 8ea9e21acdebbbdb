from retain.channels.models import MessageStatus
from retain.channels.services import queue_message


def test_smoke(org, customer, gateway, run_on_commit):
    gw = gateway("ok")
    with run_on_commit():
        m = queue_message(actor=None, customer=customer, purpose="marketing", template_code="care.birthday",
                          context={}, channel="webhook", key="k1")
    m.refresh_from_db()
    assert m.status == MessageStatus.SENT, (m.status, m.last_error)
    assert gw.verified() == [True]
    print(m.body, gw.bodies())
