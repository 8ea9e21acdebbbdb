"""Base-customer care: the care calendar's rules, the tasks they produce (and manual tasks), VIP
files and the base re-check."""
