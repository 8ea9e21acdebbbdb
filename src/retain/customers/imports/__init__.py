"""Importing customers with their vehicles from CSV and XLSX files (issue 8, item 7).

The parts, each with one job:

* ``reading``: the file as rows of cells, or a file-level refusal (empty, too large, not a
  spreadsheet, a zip bomb, text in an encoding that is not UTF-8 or GBK/GB18030);
* ``columns``: the one table of header synonyms (Chinese and English) and finding the header row;
* ``cells``: one cell as a field's value (Excel numbers that are really text, serial dates in
  either date system, ambiguous dates refused);
* ``rows``: each row through the validators the forms use, the duplicates in the file and
  against the database, and what the row would do (create, update, nothing, refused);
* ``services``: the batch (run, dry run, strict, undo), the only writer;
* ``report``: what an import did or would do, and the error file through ``org.exports``.
"""
