"""How long ``retain import customers`` takes on a 100,000-row dealer file, against reading it.

Generates a file the way a dealer's would look (GBK CSV, or XLSX with mobile numbers in number
cells and date cells; one customer in two with a car, one in five with an ID card number, 0.5%
rows repeated, 1% bad rows), imports it into a fresh dealer of the configured database (SQLite
by default: set ``RETAIN_DATA_DIR`` to a scratch directory), and times, in the same run:

* the baseline: reading the file alone (decoding, cells, header; no validation, no database);
* the dry run: everything the import does, written and rolled back;
* the import itself, then its undo.

    RETAIN_DATA_DIR=$(mktemp -d) python bench/import_customers.py [--rows 100000] [--readme README.md]

Target: 100,000 rows in under 60 s on SQLite on this machine.
"""

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from _readme import machine_note, write_block  # noqa: E402
from retain.customers.imports import reading, services  # noqa: E402
from retain.customers.imports.columns import detect  # noqa: E402
from retain.customers.validators import national_id_check_code  # noqa: E402
from retain.org.models import Dealer, DealerGroup, Region  # noqa: E402

TARGET_SECONDS = 60
ANCHOR = "### Importing a dealer's customer base"
HEADER = ["客户姓名", "手机号码", "身份证号", "性别", "出生日期", "车架号", "车牌号", "品牌", "车型", "购车日期",
          "行驶里程", "保险到期日"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
VIN_CHARS = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))


def _rows(n: int, seed: int = 1) -> list[list]:
    rng = np.random.default_rng(seed)
    names = [SURNAMES[a] + GIVEN[b] + GIVEN[c] for a, b, c in rng.integers(0, [len(SURNAMES), len(GIVEN), len(GIVEN)], size=(n, 3))]
    mobiles = [f"1{p}{s:08d}" for p, s in zip(rng.choice([38, 39, 50, 86, 87], size=n),
                                                 rng.choice(10**8, size=n, replace=False))]
    births = dt.date(1960, 1, 1) + rng.integers(0, 40 * 365, size=n) * dt.timedelta(days=1)
    vins = ["".join(chars) for chars in VIN_CHARS[rng.integers(0, len(VIN_CHARS), size=(n, 17))]]
    rows = []
    for i in range(n):
        car = i % 2 == 0
        first17 = f"310101{births[i]:%Y%m%d}{i % 1000:03d}"
        rows.append([names[i], mobiles[i], first17 + national_id_check_code(first17) if i % 5 == 0 else "",
                     "男" if i % 3 else "女", births[i], vins[i] if car else "", "", "大众" if car else "",
                     "途观L" if car else "", dt.date(2018, 1, 1) + dt.timedelta(days=i % 2000) if car else "",
                     int(rng.integers(1000, 150_000)) if car else "", ""])
    for i in range(0, n, 200):  # 0.5% repeated rows
        rows[i + 1] = list(rows[i])
    for i in range(7, n, 100):  # 1% bad rows: a mobile that is no number, or an ambiguous date
        rows[i][1 if i % 200 == 7 else 4] = "1381234" if i % 200 == 7 else "07/03/1985"
    return rows


def csv_file(rows) -> bytes:
    out = io.StringIO()
    out.write(",".join(HEADER) + "\r\n")
    for row in rows:
        out.write(",".join("" if c == "" else (c.isoformat() if isinstance(c, dt.date) else str(c)) for c in row))
        out.write("\r\n")
    return out.getvalue().encode("gbk")


def xlsx_file(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        cells = list(row)
        cells[1] = int(cells[1]) if cells[1].isdigit() else cells[1]  # mobiles in number cells
        sheet.append([None if c == "" else c for c in cells])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _dealer(code: str) -> Dealer:
    group, _ = DealerGroup.objects.get_or_create(name="Bench group")
    region, _ = Region.objects.get_or_create(group=group, code="BR", defaults={"name": "Bench region"})
    dealer, _ = Dealer.objects.get_or_create(region=region, code=code, defaults={"name": f"Bench {code}", "city": "上海"})
    return dealer


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def measure(kind: str, data: bytes, dealer: Dealer) -> dict:
    def read_only():
        sheet = reading.read(data)
        return detect(sheet.rows), sheet

    figures = {"size": len(data)}
    figures["read"], _ = _timed(read_only)
    run = dict(actor=None, dealer_id=dealer.pk, file_name=f"bench.{kind}", data=data, mode="create")
    figures["dry"], dry = _timed(lambda: services.run_import(**run, dry_run=True))
    figures["import"], report = _timed(lambda: services.run_import(**run))
    figures["undo"], _ = _timed(lambda: services.undo_import(actor=None, batch_id=report.batch_id))
    figures["report"] = report
    assert dry.created == report.created and dry.problems == report.problems
    print(f"{kind}: {report.summary()}", file=sys.stderr)
    for name in ("read", "dry", "import", "undo"):
        print(f"  {name}: {figures[name]:.1f} s", file=sys.stderr)
    return figures


def table(rows: int, results: dict) -> str:
    lines = [
        f"`retain import customers` of a {rows:,}-row dealer file into an empty dealer, {connection.vendor}, "
        f"one run each (`python bench/import_customers.py`). Target: under {TARGET_SECONDS} s.",
        "",
        "| file | size | reading alone (baseline) | dry run | import | ratio import / reading | undo | "
        "customers / vehicles created | rows refused |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, f in results.items():
        report = f["report"]
        lines.append(f"| {kind} | {f['size'] / 1e6:.1f} MB | {f['read']:.1f} s | {f['dry']:.1f} s | "
                     f"**{f['import']:.1f} s** | {f['import'] / f['read']:.1f} | {f['undo']:.1f} s | "
                     f"{report.created:,} / {report.vehicles_created:,} | {report.refused:,} |")
    lines += ["", machine_note()]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--readme", type=Path, help="write the table between the bench:import markers")
    args = parser.parse_args(argv)
    call_command("migrate", interactive=False, verbosity=0)
    rows = _rows(args.rows)
    results = {}
    for kind in args.formats.split(","):
        data = csv_file(rows) if kind == "csv" else xlsx_file(rows)
        results[kind] = measure(kind, data, _dealer(f"BENCH{kind.upper()}"))
    block = table(args.rows, results)
    print(block)
    if args.readme:
        write_block(args.readme, "import", block, ANCHOR)
    slow = [kind for kind, f in results.items() if f["import"] > TARGET_SECONDS]
    if slow:
        print(f"warning: over {TARGET_SECONDS} s: {', '.join(slow)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
