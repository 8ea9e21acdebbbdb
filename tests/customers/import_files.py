"""Messy dealer files for the import tests, written the way dealers' tools write them: CSV in
GBK (Excel's default on Chinese Windows), UTF-8 with a BOM (Excel's "CSV UTF-8"), XLSX from
openpyxl with mobile numbers in number cells, serial dates, the 1904 date system, ID numbers
that lost their digits, duplicates and bad rows."""

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from retain.customers.validators import national_id_check_code


def national_id(first17: str = "11010519900307123") -> str:
    """A valid 18-character ID card number (GB 11643 check digit)."""
    return first17 + national_id_check_code(first17)


def vin(serial: int) -> str:
    """A 17-character VIN (digits and capitals without I, O, Q)."""
    return f"LSVAU2180N{serial:07d}"


HEADER_ZH = ["客户姓名", "手机号码", "身份证号", "性别", "出生日期", "车架号", "车牌号", "品牌", "车型", "购车日期",
             "行驶里程", "保险到期日"]


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", header=HEADER_ZH, bom: bool = False,
              title: str | None = None, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow([title])
    writer.writerow(header)
    writer.writerows([["" if cell is None else str(cell) for cell in row] for row in rows])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], *, header=HEADER_ZH, epoch_1904: bool = False, title: str | None = None,
               date_format: str = "yyyy-mm-dd") -> bytes:
    book = Workbook()
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, (dt.date, dt.datetime)):
                cell.number_format = date_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def person(n: int, *, name: str = "王小明", with_vehicle: bool = True, **overrides) -> list:
    """One good row in HEADER_ZH order; ``n`` makes mobile and VIN unique."""
    row = {
        "客户姓名": f"{name}{n}" if name == "王小明" else name,
        "手机号码": f"1381234{n:04d}",
        "身份证号": "",
        "性别": "男",
        "出生日期": "1985-07-03",
        "车架号": vin(n) if with_vehicle else "",
        "车牌号": "",
        "品牌": "大众" if with_vehicle else "",
        "车型": "途观L" if with_vehicle else "",
        "购车日期": "2021-05-01" if with_vehicle else "",
        "行驶里程": "35000" if with_vehicle else "",
        "保险到期日": "",
    }
    row.update(overrides)
    return [row[h] for h in HEADER_ZH]
