"""The loyalty pages (thin: parse, call a service, render)."""
