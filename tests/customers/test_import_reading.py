"""File-level reading: encodings, XLSX cells, and every file-level refusal (nothing written)."""

import datetime as dt
import io
import zipfile

import pytest

from retain.customers.imports import cells, reading
from retain.customers.imports.reading import FileRefused

from .import_files import HEADER_ZH, csv_bytes, person, xlsx_bytes


def _codes(data):
    with pytest.raises(FileRefused) as caught:
        reading.read(data)
    return caught.value.reason_code, caught.value.reason


@pytest.mark.parametrize("encoding, bom, expected", [
    ("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"), ("gbk", False, "gb18030"), ("gb18030", False, "gb18030"),
])
def test_encodings_are_detected_and_chinese_reads_back(encoding, bom, expected):
    data = csv_bytes([person(1, name="欧阳娜娜")], encoding=encoding, bom=bom)
    sheet = reading.read(data)
    assert sheet.encoding == expected
    assert sheet.rows[0][1] == HEADER_ZH
    assert sheet.rows[1][1][0] == "欧阳娜娜"


def test_gb18030_four_byte_characters_read_back():
    data = csv_bytes([person(1, name="𠮷野家")], encoding="gb18030")
    assert "\U00020bb7" in reading.read(data).rows[1][1][0]


def test_utf16_with_bom_and_tabs_as_excel_unicode_text():
    text = "\t".join(HEADER_ZH) + "\r\n" + "\t".join(person(1, name="李雷")) + "\r\n"
    sheet = reading.read(b"\xff\xfe" + text.encode("utf-16-le"))
    assert sheet.rows[1][1][0] == "李雷" and sheet.rows[1][1][1] == "13812340001"


def test_text_in_a_western_encoding_is_refused_not_stored_as_mojibake():
    data = "Name,Mobile\nJosé Müller,13812340001\nFrançois Gérard,13812340002\n".encode("cp1252")
    code, reason = _codes(data)
    assert code == "encoding" and "UTF-8" in reason


def test_empty_file():
    assert _codes(b"")[0] == "empty"
    assert _codes(b"\r\n\r\n,,,\r\n")[0] == "empty"


def test_over_the_size_limit(settings):
    settings.IMPORT_MAX_BYTES = 1024
    code, reason = _codes(csv_bytes([person(n) for n in range(50)]))
    assert code == "too_large" and "1.0\u00a0KB" in reason


def test_too_many_rows(settings):
    settings.IMPORT_MAX_ROWS = 5
    assert _codes(csv_bytes([person(n) for n in range(30)]))[0] == "too_many_rows"


def test_not_a_spreadsheet():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    assert _codes(png)[0] == "not_spreadsheet"
    assert _codes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)[0] == "xls"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert _codes(buffer.getvalue())[0] == "not_spreadsheet"
    assert _codes(b"PK\x03\x04 broken")[0] == "not_spreadsheet"


def test_zip_bomb_is_refused_from_the_directory_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200_000
    code, reason = _codes(data)
    assert code == "zip_bomb" and "zip bomb" in reason


def test_unpacked_size_limit(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024
    assert _codes(xlsx_bytes([person(n) for n in range(20)]))[0] == "zip_bomb"


def test_xlsx_title_row_and_numbers():
    data = xlsx_bytes([[*person(1)[:1], 13812340001, *person(1)[2:]]], title="4S店客户信息表")
    sheet = reading.read(data)
    assert sheet.file_format == "xlsx"
    assert sheet.rows[0][1] == ["4S店客户信息表"]
    assert sheet.rows[2][1][1] == 13812340001


# -- cells -------------------------------------------------------------------------------------

def test_numbers_that_are_text():
    assert cells.value("mobile", 13812340001) == "13812340001"
    assert cells.value("mobile", 13812340001.0) == "13812340001"
    with pytest.raises(cells.CellError, match="15 digits"):
        cells.value("national_id", 110105199003071234)
    with pytest.raises(cells.CellError, match="15 digits"):
        cells.value("national_id", 1.10105199003071e17)
    with pytest.raises(cells.CellError, match="more digits"):
        cells.value("vin", 12345678901234567)
    with pytest.raises(cells.CellError, match="decimals"):
        cells.value("mobile", 138.5)


@pytest.mark.parametrize("text, expected", [
    ("1985-07-03", dt.date(1985, 7, 3)), ("1985/7/3", dt.date(1985, 7, 3)), ("1985.07.03", dt.date(1985, 7, 3)),
    ("1985年7月3日", dt.date(1985, 7, 3)), ("19850703", dt.date(1985, 7, 3)), ("25/03/1985", dt.date(1985, 3, 25)),
    ("03/25/1985", dt.date(1985, 3, 25)), ("07/07/1985", dt.date(1985, 7, 7)),
    ("1985-07-03 00:00:00", dt.date(1985, 7, 3)),
])
def test_unambiguous_dates(text, expected):
    assert cells.value("birthday", text) == expected


@pytest.mark.parametrize("text, reason", [
    ("07/03/1985", "ambiguous"), ("7-3-1985", "ambiguous"), ("07/03/85", "two-digit"), ("1985-02-30", "real date"),
    ("last spring", "not a date"), ("1850-01-01", "between 1900 and 2100"), ("31098", "not a date"),
])
def test_ambiguous_and_bad_dates_are_refused(text, reason):
    with pytest.raises(cells.CellError, match=reason):
        cells.value("birthday", text)


def test_serial_dates_in_both_date_systems():
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    assert cells.value("birthday", 31231, CALENDAR_WINDOWS_1900) == dt.date(1985, 7, 3)
    assert cells.value("birthday", 31231 - 1462, CALENDAR_MAC_1904) == dt.date(1985, 7, 3)
    with pytest.raises(cells.CellError):
        cells.value("birthday", 31231)  # a number in a CSV is not a date


def test_export_escape_is_removed_and_formulas_stay_text():
    assert cells.value("name", "'=HYPERLINK(\"x\")") == '=HYPERLINK("x")'
    assert cells.value("name", "=1+1") == "=1+1"
    assert cells.value("name", "O'Brien") == "O'Brien"


def test_choices_in_both_languages():
    assert cells.value("gender", "女") == "F" and cells.value("gender", "Male") == "M"
    assert cells.value("classification", "基盘客户") == "base" and cells.value("classification", "VIP customer") == "vip"
    assert cells.value("sold_by_us", "是") is True and cells.value("mileage_km", "35,000 km") == 35000
    with pytest.raises(cells.CellError):
        cells.value("gender", "unknown")
