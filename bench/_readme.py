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


class OtherWork:
    """CPU seconds used during a run by processes other than the benchmark's own tree and the
    database server, read from ``/proc`` at the start and the end: the load average cannot tell
    the benchmark's own load from other work's, this can. (A process that starts and ends within
    the run is missed; on a machine without ``/proc`` nothing is measured.)"""

    SERVERS = ("postgres",)

    def __init__(self):
        self.started = self._other_cpu()

    @staticmethod
    def _processes() -> dict[int, tuple[int, str, float]]:
        import os

        tick = os.sysconf("SC_CLK_TCK")
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue
            name, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
            found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
        return found

    def _other_cpu(self) -> dict[int, float]:
        import os

        processes = self._processes()
        ours = {os.getpid()}
        grew = True
        while grew:  # the benchmark's descendants: its server, the server's workers
            grew = False
            for pid, (parent, _name, _cpu) in processes.items():
                if parent in ours and pid not in ours:
                    ours.add(pid)
                    grew = True
        return {pid: cpu for pid, (_parent, name, cpu) in processes.items()
                if pid not in ours and not name.startswith(self.SERVERS)}

    def seconds(self) -> float:
        """Other processes' CPU seconds since this was made (those alive at both ends)."""
        now = self._other_cpu()
        return sum(max(0.0, cpu - self.started[pid]) for pid, cpu in now.items() if pid in self.started)

    def note(self, wall: float) -> tuple[bool, str]:
        """Whether other work took more than a tenth of the machine during ``wall`` seconds, and a
        sentence saying how much it took."""
        import os

        used, capacity = self.seconds(), wall * (os.cpu_count() or 1)
        busy = used > 0.1 * capacity
        return busy, (f"other processes used {used:.1f} CPU s of the {capacity:.0f} the cores had during the run"
                      + (" — **the machine was busy with other work**" if busy else ""))
