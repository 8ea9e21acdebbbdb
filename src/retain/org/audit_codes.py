"""The audit vocabulary: every kind of audit row, as one ``noun.verb`` code with a translated label.

``org.audit.record`` refuses a code that is not here, so the log never holds a code the audit
page cannot name, and two spellings of one action (``customer.update`` beside
``grade_changed``) cannot come back. A new action adds its member here (and its label to both
catalogues); codes are stored, so a code is never renamed without a data migration (see
``RENAMED``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditCode(models.TextChoices):
    # sign-in and API access
    AUTH_LOGIN_FAILED = "auth.login_failed", _("Failed login")
    AUTH_LOCKED_OUT = "auth.locked_out", _("Locked out after repeated failed logins")
    TOKEN_ISSUE = "token.issue", _("API token issued")
    TOKEN_REVOKE = "token.revoke", _("API token revoked")
    # customers
    CUSTOMER_CREATE = "customer.create", _("Customer added")
    CUSTOMER_CREATE_DUPLICATE = "customer.create_duplicate", _("Customer added despite a duplicate mobile")
    CUSTOMER_UPDATE = "customer.update", _("Customer details changed")
    CUSTOMER_CLASSIFY = "customer.classify", _("Customer class changed")
    CUSTOMER_TAG = "customer.tag", _("Customer tags changed")
    CUSTOMER_RECORD_CONSENT = "customer.record_consent", _("Consent recorded")
    CUSTOMER_REVEAL = "customer.reveal", _("Personal data revealed")
    CUSTOMER_MERGE = "customer.merge", _("Duplicate customer merged in")
    CUSTOMER_MERGE_INTO = "customer.merge_into", _("Customer merged into another")
    CUSTOMER_REASSIGN = "customer.reassign", _("Customer reassigned")
    CUSTOMER_EXPORT = "customer.export", _("Customers exported")
    CUSTOMER_VERIFY = "customer.verify", _("Customer record verified")
    CUSTOMER_ASSIGN_ADVISOR = "customer.assign_advisor", _("Service advisor assigned")
    CUSTOMER_CREDIT_REFERRAL = "customer.credit_referral", _("Referral credited")
    PORTFOLIO_REASSIGN = "portfolio.reassign", _("Portfolio reassigned")
    VEHICLE_CREATE = "vehicle.create", _("Vehicle added")
    VEHICLE_UPDATE = "vehicle.update", _("Vehicle changed")
    TRANSACTION_CREATE = "transaction.create", _("Transaction recorded")
    # sales
    PROSPECT_OPEN = "prospect.open", _("Prospect opened")
    PROSPECT_GRADE = "prospect.grade", _("Prospect grade changed")
    PROSPECT_ORDER = "prospect.order", _("Order recorded")
    PROSPECT_DELIVER = "prospect.deliver", _("Delivery recorded")
    CONTACT_LOG = "contact.log", _("Contact logged")
    DEFEAT_APPLY = "defeat.apply", _("Defeat reported")
    DEFEAT_APPROVE = "defeat.approve", _("Defeat approved")
    DEFEAT_SEND_BACK = "defeat.send_back", _("Defeat sent back")
    VISIT_REGISTER = "visit.register", _("Showroom visit registered")
    VISIT_LINK = "visit.link", _("Visit linked to a customer")
    DAILY_REPORT_PREPARE = "daily_report.prepare", _("Daily report prepared")
    DAILY_REPORT_REFRESH = "daily_report.refresh", _("Daily report refreshed")
    DAILY_REPORT_SUBMIT = "daily_report.submit", _("Daily report submitted")
    DAILY_REPORT_SIGN = "daily_report.sign", _("Daily report signed")
    TARGET_SET = "target.set", _("Target set")
    CADENCE_SET = "cadence.set", _("Follow-up cadence set")
    EVENT_CREATE = "event.create", _("Event created")
    EVENT_INVITE = "event.invite", _("Customer invited to an event")
    INVITATION_ATTEND = "invitation.attend", _("Event attendance registered")
    INVITATION_FOLLOW_UP = "invitation.follow_up", _("Event follow-up recorded")
    CONTACT_STATUS_EXPORT = "contact_status.export", _("Contact-status table exported")
    # outbound messages (channels)
    MESSAGE_QUEUE = "message.queue", _("Message queued")
    MESSAGE_WRITE = "message.write", _("Message written by hand")
    MESSAGE_MARK_SENT = "message.mark_sent", _("Message marked as sent by hand")
    MESSAGE_SUPPRESS = "message.suppress", _("Message stopped by a send-time rule before it was sent")
    MESSAGE_RETRY = "message.retry", _("Dead-lettered message queued again")
    MESSAGE_RECEIPT = "message.receipt", _("Delivery receipt from the gateway")
    TEMPLATE_UPDATE = "template.update", _("Message template changed")
    TEMPLATE_INSTALL = "template.install", _("Preset message templates added")
    CHANNEL_SETTINGS_UPDATE = "channel_settings.update", _("Message channel settings changed")
    NOTICE_READ = "notice.read", _("Notices to staff marked read")
    # imports and exports of the customer base
    IMPORT_RUN = "import.run", _("Customers imported from a file")
    IMPORT_UNDO = "import.undo", _("Import undone")
    IMPORT_EXPORT_ERRORS = "import.export_errors", _("Refused rows of an import downloaded")
    VEHICLE_EXPORT = "vehicle.export", _("Vehicles exported")
    # care
    TASK_GENERATE = "task.generate", _("Care tasks generated")
    TASK_CREATE = "task.create", _("Care task added")
    TASK_OUTCOME = "task.outcome", _("Care task done")
    TASK_REASSIGN = "task.reassign", _("Care task reassigned")
    TASK_EXPORT = "task.export", _("Care tasks exported")
    CARE_RULE_SET = "care_rule.set", _("Care rule changed")
    CARE_RULE_DEFAULTS = "care_rule.defaults", _("Default care rules written")
    CARE_RULE_SETTINGS = "care_rule.settings", _("Care intervals changed")
    VIP_OPEN = "vip.open", _("VIP file opened")
    VIP_UPDATE = "vip.update", _("VIP file changed")
    # surveys (defs)
    SURVEY_INSTALL = "survey.install", _("Preset surveys added")
    SURVEY_COPY = "survey.copy", _("Survey copied for a dealer")
    SURVEY_EDIT = "survey.edit", _("Survey changed")
    SURVEY_VERSION = "survey.version", _("New survey version made")
    SURVEY_ACTIVATE = "survey.activate", _("Survey switched on")
    SURVEY_DEACTIVATE = "survey.deactivate", _("Survey switched off")
    # surveys (invite): "survey_invitation", as "invitation.*" are the promotion events' invitations
    SURVEY_INVITATION_CREATE = "survey_invitation.create", _("Survey invitation made")
    SURVEY_INVITATION_WITHDRAW = "survey_invitation.withdraw", _("Survey invitation withdrawn")
    SURVEY_INVITATION_REMIND = "survey_invitation.remind", _("Survey reminder sent")
    SURVEY_INVITATION_EXPIRE = "survey_invitation.expire", _("Survey invitation expired")
    SURVEY_SETTINGS_SET = "survey_settings.set", _("Survey settings or sampling rule changed")
    # surveys (analysis)
    SURVEY_RESULTS_EXPORT = "survey_results.export", _("Survey results exported")
    # surveys (answer)
    RESPONSE_SAVE = "response.save", _("Survey answers saved part way")
    RESPONSE_SUBMIT = "response.submit", _("Survey answers submitted")
    RESPONSE_REVIEW = "response.review", _("Flagged survey answers reviewed")
    # cases
    CASE_OPEN = "case.open", _("Case opened")
    CASE_STEP = "case.step", _("Case step recorded")
    CASE_ASSIGN = "case.assign", _("Case assigned")
    CASE_CLOSE = "case.close", _("Case closed")
    CASE_RECURRENCE_CHECK = "case.recurrence_check", _("Case checked for recurrence")
    CASE_ESCALATE = "case.escalate", _("Case past a deadline escalated")
    CASES_ANALYSIS_EXPORT = "cases_analysis.export", _("Complaint analysis exported")
    COMPENSATION_OFFER = "compensation.offer", _("Compensation offered")
    COMPENSATION_DECIDE = "compensation.decide", _("Compensation approved or rejected")
    CASE_SETTINGS_SET = "case_settings.set", _("Case settings changed")
    # cases (blacklist)
    BLACKLIST_PROPOSE = "blacklist.propose", _("Blacklist entry proposed")
    BLACKLIST_APPROVE = "blacklist.approve", _("Blacklist entry approved")
    BLACKLIST_REJECT = "blacklist.reject", _("Blacklist entry rejected")
    BLACKLIST_LIFT = "blacklist.lift", _("Blacklist entry lifted")
    BLACKLIST_EXPIRE = "blacklist.expire", _("Blacklist entry expired")
    # cases (lost owners and win-back)
    LOST_OWNER_RECORD = "lost_owner.record", _("Lost owner recorded")
    LOST_OWNER_PROPOSE = "lost_owner.propose", _("Lost owner proposed by the system")
    LOST_OWNER_CONFIRM = "lost_owner.confirm", _("Lost owner confirmed")
    LOST_OWNER_DISMISS = "lost_owner.dismiss", _("Lost-owner proposal dismissed")
    LOST_OWNER_WIN_BACK_STEP = "lost_owner.win_back_step", _("Win-back step recorded")
    LOST_OWNER_WON_BACK = "lost_owner.won_back", _("Lost owner won back")
    # loyalty (the points ledger)
    POINTS_EARN = "points.earn", _("Points earned")
    POINTS_EARN_BULK = "points.earn_bulk", _("Points earned from records in bulk")
    POINTS_ACTIVATE = "points.activate", _("Pending points made spendable")
    POINTS_VOID = "points.void", _("Pending points voided")
    POINTS_REDEEM = "points.redeem", _("Points redeemed")
    POINTS_RESERVE = "points.reserve", _("Points reserved")
    POINTS_POST = "points.post", _("Reserved points redeemed")
    POINTS_RELEASE = "points.release", _("Reserved points released")
    POINTS_TIME_OUT = "points.time_out", _("Reservation timed out: points released")
    POINTS_ADJUST = "points.adjust", _("Points adjusted")
    POINTS_TRANSFER = "points.transfer", _("Points transferred to another member")
    POINTS_REVERSE = "points.reverse", _("Points transfer reversed")
    POINTS_EXPIRE = "points.expire", _("Points expired")
    POINTS_KEYS_PRUNE = "points_keys.prune", _("Old idempotency keys removed")
    REWARD_CREATE = "reward.create", _("Reward added to the catalogue")
    REWARD_UPDATE = "reward.update", _("Reward changed")
    VOUCHER_ORDER = "voucher.order", _("Reward ordered (voucher issued)")
    VOUCHER_USE = "voucher.use", _("Voucher handed over")
    VOUCHER_CANCEL = "voucher.cancel", _("Voucher cancelled")
    VOUCHER_EXPIRE = "voucher.expire", _("Voucher expired")
    # loyalty (referrals and owners' clubs)
    REFERRAL_CODE = "referral.code", _("Referral code given")
    REFERRAL_RECORD = "referral.record", _("Referral recorded")
    REFERRAL_EXPORT = "referral.export", _("Influence centres exported")
    CLUB_CREATE = "club.create", _("Owners' club created")
    CLUB_JOIN = "club.join", _("Members joined an owners' club")
    CLUB_LEAVE = "club.leave", _("Member left an owners' club")
    CLUB_EVENT = "club.event", _("Owners' club event created")
    PARTNER_CREATE = "partner.create", _("Coalition partner added")
    PARTNER_UPDATE = "partner.update", _("Coalition partner changed")
    PARTNER_ISSUE = "partner.issue", _("Points issued by a partner")
    PARTNER_ACCEPT = "partner.accept", _("Points spent at a partner")
    PARTNER_REVERSE = "partner.reverse", _("Partner movement reversed")
    PARTNER_SETTLE = "partner.settle", _("Partner month settled")
    PARTNER_SETTLEMENT_EXPORT = "partner_settlement.export", _("Partner settlements exported")
    LIABILITY_EXPORT = "liability.export", _("Points liability exported")
    POINTS_RULES_SET = "points_rules.set", _("Points rules and tiers changed")
    # analytics and demo
    SCORES_COMPUTE = "scores.compute", _("Customer scores computed")
    DEMO_BUILD = "demo.build", _("Demo built")


#: Codes written before the vocabulary existed -> their code now (applied by org migration 0003).
RENAMED = {
    "customer.tags": AuditCode.CUSTOMER_TAG,
    "customer.consent": AuditCode.CUSTOMER_RECORD_CONSENT,
    "customer.merged_into": AuditCode.CUSTOMER_MERGE_INTO,
    "prospect_opened": AuditCode.PROSPECT_OPEN,
    "grade_changed": AuditCode.PROSPECT_GRADE,
    "contact_logged": AuditCode.CONTACT_LOG,
    "visit_registered": AuditCode.VISIT_REGISTER,
    "order_recorded": AuditCode.PROSPECT_ORDER,
    "delivery_recorded": AuditCode.PROSPECT_DELIVER,
    "defeat_applied": AuditCode.DEFEAT_APPLY,
    "defeat_approved": AuditCode.DEFEAT_APPROVE,
    "defeat_sent_back": AuditCode.DEFEAT_SEND_BACK,
    "visit_linked": AuditCode.VISIT_LINK,
    "daily_report_prepared": AuditCode.DAILY_REPORT_PREPARE,
    "daily_report_refreshed": AuditCode.DAILY_REPORT_REFRESH,
    "daily_report_submitted": AuditCode.DAILY_REPORT_SUBMIT,
    "daily_report_signed": AuditCode.DAILY_REPORT_SIGN,
    "target_set": AuditCode.TARGET_SET,
    "cadence_set": AuditCode.CADENCE_SET,
    "event_created": AuditCode.EVENT_CREATE,
    "customer_invited": AuditCode.EVENT_INVITE,
    "attendance_registered": AuditCode.INVITATION_ATTEND,
    "event_follow_up": AuditCode.INVITATION_FOLLOW_UP,
    "contact_table_export": AuditCode.CONTACT_STATUS_EXPORT,
    "scores_computed": AuditCode.SCORES_COMPUTE,
    "demo_built": AuditCode.DEMO_BUILD,
}


def label(code: str) -> str:
    """The reader's-language label of a stored code (the code itself if it is not known)."""
    try:
        return AuditCode(code).label
    except ValueError:
        return code
