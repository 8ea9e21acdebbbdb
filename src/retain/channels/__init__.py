"""Outbound messages to customers: the outbox (default), SMTP e-mail and a signed webhook to any
SMS/WeChat gateway, with the send-time rules (consent, quiet hours, frequency cap, suppression)."""
