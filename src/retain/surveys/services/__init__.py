"""The surveys app's business actions, the only code that writes survey records.

Every action is ``@transaction.atomic``, takes keyword-only arguments with ``actor`` first
(``None`` for a job, or for a customer answering on the public page), checks access through
``surveys.access`` (and the customers' door), validates (``ValidationError`` naming the field;
nothing written) and appends its audit row in the same transaction.

- ``definitions`` (defs): presets installed, a group survey copied for a dealer, a survey edited
  (a new version once the current one was sent or answered), switched on or off.
"""
