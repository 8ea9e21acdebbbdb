"""The django tasks of the channels app: one try at delivering one message (``services.delivery``)."""

from django_tasks import task


@task()
def deliver_message(message_id: int) -> str:
    from .services import delivery  # the services enqueue this task: imported when it runs

    return str(delivery.deliver(message_id))


@task()
def email_notice(notice_id: int) -> str:
    from .services import notices

    return notices.email(notice_id)
