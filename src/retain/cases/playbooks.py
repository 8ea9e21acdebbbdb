"""Service-recovery playbooks (issue 10, item 4; seed 003: 服务补救方案): for each category of
case, what has worked, as suggestions the case page shows beside the six steps, and what a
complaining customer seeks (seed 001: respect, venting, compensation) changes the first move.

They are suggestions, not rules: the owner still records what was done, step by step. The text
is the house's starting point; a dealer group that writes its own would keep them here too.
"""

from django.utils.translation import gettext_lazy as _

from .models import Category, Motive

#: Suggested actions per category, in the order they are usually taken.
PLAYBOOKS = {
    Category.REPAIR_QUALITY: (
        _("Apologise for the repeat visit and book the car in at the customer's earliest time, with priority."),
        _("Have the workshop foreman or a senior technician diagnose it, with the first technician present."),
        _("Offer a courtesy car or pick-up and return while the car is in."),
        _("Redo the work free of charge, road-test it with the customer and explain what was found."),
    ),
    Category.WAITING_TIME: (
        _("Acknowledge the lost time plainly; do not explain it away."),
        _("Give a firm completion time and call before it if anything changes."),
        _("Offer pick-up and return or a courtesy car for the next visit."),
        _("Check the booking and workshop loading that caused the wait."),
    ),
    Category.PRICE: (
        _("Go through the invoice line by line with the customer."),
        _("Correct any charge that was not agreed before the work, and refund it at once."),
        _("Where the price was right, explain what it bought; offer a goodwill gesture for the surprise."),
        _("From now on, confirm the estimate with the customer before work starts."),
    ),
    Category.STAFF_ATTITUDE: (
        _("Have the manager, not the person complained of, call the customer and apologise."),
        _("Listen to the whole account without defending the colleague."),
        _("Talk with the colleague the same day and record what will change."),
        _("Let the customer choose who serves them next time."),
    ),
    Category.SALES_PROMISE: (
        _("Find out exactly what was promised, and by whom, before answering."),
        _("Keep the promise if it can be kept; if not, say so and offer something of equal value."),
        _("Have the sales manager confirm the outcome to the customer in writing."),
    ),
    Category.PARTS: (
        _("Give the date the part arrives, and track the order until it does."),
        _("Offer a courtesy car if the car cannot be used meanwhile."),
        _("Ask the parts manager whether another dealer of the group has the part."),
    ),
    Category.VEHICLE_QUALITY: (
        _("Record the fault with photos and the VIN, and open a warranty or goodwill request with the maker."),
        _("Keep the customer mobile (courtesy car) while the maker decides."),
        _("Tell the customer what the maker answered, and when, even if the answer is no."),
    ),
    Category.FACILITIES: (
        _("Thank the customer; fix what can be fixed today and say when the rest will be."),
        _("Invite the customer back to see the change."),
    ),
    Category.OTHER: (
        _("Listen first; find out what the customer expects as a fair outcome."),
        _("Agree on a next step and a date, and keep it."),
    ),
}

#: The first move for what the customer seeks.
FIRST_MOVE = {
    Motive.RESPECT: _("The customer seeks respect: a manager calls, apologises in person, and owns the follow-up."),
    Motive.VENTING: _("The customer needs to be heard: let them tell the whole story before offering anything."),
    Motive.COMPENSATION: _("The customer expects compensation: agree what is fair early, within the dealer's limits."),
}


def playbook(category: str, motive: str = "") -> dict:
    """What the case page suggests for a case of ``category`` whose customer seeks ``motive``."""
    return {"first_move": FIRST_MOVE.get(motive), "actions": PLAYBOOKS.get(category, PLAYBOOKS[Category.OTHER])}
