"""Writing a benchmark's table into the README between its markers, shared by the bench scripts."""

import sys
from pathlib import Path


def write_block(path: Path, name: str, block: str, anchor: str) -> None:
    """Replace the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; if the
    markers are missing, insert them after ``anchor``, or (saying so) at the end."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = path.read_text(encoding="utf-8")
    section = f"{start}\n{block}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    elif anchor in text:
        text = text.replace(anchor, f"{anchor}\n{section}", 1)
    else:
        print(f"note: {anchor} not found in {path}; appending the table at the end", file=sys.stderr)
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def machine_note() -> str:
    """When and under what load a table was measured: the cores are shared on the build machine,
    and a reader must know whether the seconds are an idle machine's."""
    import os
    from datetime import date

    load, cores = os.getloadavg()[0], os.cpu_count()
    busy = (f"the machine was busy ({cores} cores shared with other work, load average {load:.1f} at the end), "
            "so the seconds are inflated and noisy, and a tool that uses both cores loses more to the "
            "sharing than a one-core one") if load > cores else \
        f"{cores} cores, load average {load:.1f} at the end"
    return f"Measured {date.today()}; {busy}."
