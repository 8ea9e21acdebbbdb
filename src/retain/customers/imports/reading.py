"""An uploaded file as rows of cells, or a file-level refusal before anything is imported.

What is refused, each with its own message on the field ``file``: an empty file; one over the
size limit (``RETAIN_IMPORT_MAX_MB``, 20 MB by default); more data rows than
``RETAIN_IMPORT_MAX_ROWS``; an XLSX whose zip directory says it would unpack to more than
``RETAIN_IMPORT_MAX_UNPACKED_MB`` or whose parts are packed implausibly tightly (a zip bomb,
checked before a byte is unpacked); an old binary .xls; a zip that is no workbook; text that is
neither UTF-8 nor GBK/GB18030, or binary data. Text is decoded only when it decodes cleanly:
a file is refused rather than stored as mojibake.

Encodings: a UTF-8 (or UTF-16, as Excel's "Unicode text") byte-order mark decides; otherwise
strict UTF-8; otherwise charset-normalizer's best guess, accepted only for the GB family, which
is decoded as GB18030 (a superset of GBK and GB2312).
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import charset_normalizer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: A part of an XLSX that unpacks to more than this many times its packed size is a bomb:
#: spreadsheet XML packs about 5 to 50 times, a bomb a thousand times or more.
MAX_PACKING_RATIO = 250
#: Parts an XLSX may hold (a workbook with a few sheets has a dozen or two).
MAX_PARTS = 1000
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz"}
_TEXT_ENCODINGS = {"utf_8", "ascii"} | _GB_FAMILY
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container
_DELIMITERS = (",", "\t", ";", "|")


class FileRefused(ValidationError):
    """The file as a whole cannot be imported; nothing is written."""

    def __init__(self, message: str, code: str):
        super().__init__({"file": [ValidationError(message, code=code)]})
        self.reason = message
        self.reason_code = code


@dataclass(frozen=True)
class Sheet:
    """The rows of the file's first sheet: ``(row number as a spreadsheet shows it, cells)``,
    empty rows left out. ``epoch`` is the workbook's date system (XLSX), for serial dates."""

    file_format: str
    encoding: str
    rows: list[tuple[int, list]]
    epoch: object = None


def check_size(size: int) -> None:
    """Refuse an empty file or one over the size limit (before it is read, where its size is known)."""
    if not size:
        raise FileRefused(_("The file is empty."), "empty")
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRefused(_("The file is larger than the limit of %(size)s.")
                          % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)}, "too_large")


def read(data: bytes) -> Sheet:
    check_size(len(data))
    if data.startswith(_OLE2):
        raise FileRefused(_("This is an old Excel file (.xls). Save it as .xlsx or CSV and import that."), "xls")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _workbook(data)
    return _text(data)


def _too_many_rows() -> FileRefused:
    return FileRefused(_("The file has more than %(n)s rows; split it into several files.")
                       % {"n": f"{settings.IMPORT_MAX_ROWS:,}"}, "too_many_rows")


def _limited(rows):
    """Number and keep the non-empty rows; refuse past the row limit (plus room for a title and
    the header above the data)."""
    kept = []
    limit = settings.IMPORT_MAX_ROWS + 10
    for number, cells in rows:
        cells = list(cells)
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if not cells or all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        kept.append((number, cells))
        if len(kept) > limit:
            raise _too_many_rows()
    if not kept:
        raise FileRefused(_("The file holds no rows."), "empty")
    return kept


# -- XLSX --------------------------------------------------------------------------------------

def check_zip(data: bytes) -> zipfile.ZipFile:
    """The zip's directory, checked before anything is unpacked: part count, total unpacked size
    and packing ratio. (Python's zip reader stops at the size the directory states and fails the
    checksum of a part that lies about it, so the stated sizes bound what is unpacked.)"""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("The file is not a spreadsheet: a damaged zip file."), "not_spreadsheet")
    unpacked = sum(part.file_size for part in parts)
    bomb = len(parts) > MAX_PARTS or unpacked > settings.IMPORT_MAX_UNPACKED_BYTES or any(
        part.file_size > 1024 * 1024 and part.file_size > MAX_PACKING_RATIO * max(part.compress_size, 1)
        for part in parts)
    if bomb:
        raise FileRefused(_("The workbook would unpack to %(size)s (the limit is %(limit)s) or is packed "
                            "implausibly tightly: it is refused as a possible zip bomb.")
                          % {"size": filesizeformat(unpacked), "limit": filesizeformat(settings.IMPORT_MAX_UNPACKED_BYTES)},
                          "zip_bomb")
    if "xl/workbook.xml" not in archive.namelist():
        raise FileRefused(_("The file is a zip archive but not an Excel workbook (.xlsx)."), "not_spreadsheet")
    return archive


def _workbook(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    check_zip(data)
    try:
        # Formulas are read as their text, never evaluated: a name typed as =HYPERLINK(...) is text.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        rows = _limited((number, cells) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1))
    except FileRefused:
        raise
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors, ValueError) on a broken workbook
        raise FileRefused(_("The workbook cannot be read; open it in Excel and save it again as .xlsx."),
                          "not_spreadsheet")
    epoch = book.epoch
    book.close()
    return Sheet("xlsx", "", rows, epoch)


# -- CSV -----------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``, or a refusal: never a guess that would store mojibake."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16"), "utf-16"
    if b"\x00" in data[:100_000]:  # no text file holds NUL bytes outside UTF-16
        raise FileRefused(_("The file holds binary data: it is not a spreadsheet."), "not_spreadsheet")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None and best.encoding in _TEXT_ENCODINGS:
        return _strict(data, "gb18030"), "gb18030"
    if _reads_as_chinese(data):
        # charset-normalizer misjudges files whose Chinese is a small share among digits and
        # Latin letters (a list of names, mobiles and VINs) as a Cyrillic or Western code page.
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    if best is None:
        raise FileRefused(_("The file is not text in any encoding: it is not a spreadsheet."), "not_spreadsheet")
    raise FileRefused(_("The file's text looks like %(encoding)s, not UTF-8 or GBK: save it as UTF-8 "
                        "(in Excel: CSV UTF-8) and import it again.") % {"encoding": best.encoding}, "encoding")


#: A GB18030 character of two or four bytes (ASCII bytes are never a lead byte).
_GB_CHARACTER = re.compile(rb"[\x81-\xfe](?:[\x30-\x39][\x81-\xfe][\x30-\x39]|[\x40-\x7e\x80-\xfe])")
#: The same, within GB2312 (both bytes from 0xA1): where nearly all of real Chinese text lies.
_GB2312_CHARACTER = re.compile(rb"[\xa1-\xf7][\xa1-\xfe]")


def _reads_as_chinese(data: bytes) -> bool:
    """Whether the bytes are GB text: nine in ten of their double-byte characters in GB2312's
    common area. Western text misread as GBK pairs a letter with ASCII (``Mü`` + ``l``), outside it."""
    characters = _GB_CHARACTER.findall(data[:1_000_000])
    if not characters:
        return False
    common = sum(1 for character in characters if _GB2312_CHARACTER.fullmatch(character))
    return common >= 0.9 * len(characters)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise FileRefused(_("The file is not valid %(encoding)s text: it is damaged or in another encoding.")
                          % {"encoding": encoding.upper()}, "encoding")


def _text(data: bytes) -> Sheet:
    text, encoding = decode(data)
    if "\x00" in text or sum(ch < " " and ch not in "\t\r\n" for ch in text[:10_000]) > 10:
        raise FileRefused(_("The file holds binary data: it is not a spreadsheet."), "not_spreadsheet")
    lines = text.lstrip("\ufeff").splitlines()[:5]
    delimiter = max(_DELIMITERS, key=lambda d: sum(line.count(d) for line in lines))
    try:
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
        rows = _limited(enumerate(reader, start=1))
    except csv.Error:
        raise FileRefused(_("The file cannot be read as CSV (a quote is not closed)."), "not_spreadsheet")
    return Sheet("csv", encoding, rows)
