"""The care app's business actions, the only code that writes care records.

Every action is ``@transaction.atomic``, takes keyword-only arguments with ``actor`` first
(``None`` for the daily job), checks access through ``care.access`` (and the customers' door),
validates (``ValidationError`` naming the field; nothing written) and appends its audit row in
the same transaction.

- ``generate``: the care calendar's daily run (the job ``care.generate``);
- ``tasks``: a task's outcome, a manual task;
- ``rules``: a dealer's rules and intervals;
- ``vip``: VIP files;
- ``moves``: tasks and VIP files following a merged or reassigned customer (``customers.moves``).
"""

from . import generate, moves, rules, tasks, vip
from .generate import generate as generate_tasks
from .rules import set_rule, set_settings
from .tasks import create_task, record_outcome
from .vip import open_vip_file, update_vip_file

__all__ = ["create_task", "generate", "generate_tasks", "moves", "open_vip_file", "record_outcome", "rules",
           "set_rule", "set_settings", "tasks", "update_vip_file", "vip"]
