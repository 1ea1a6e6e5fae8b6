"""Spreadsheet cells ⇄ engine columns: the one cell vocabulary of the package.

Every door (the batch readers, the Excel functions, the ribbon) parses cells here and writes
values back through :mod:`.excel`; :mod:`shoprules.formulas` sees only normalised columns.

- :mod:`.text`: blank cells and placeholders (``-``, ``null``, ``无``…), free text
- :mod:`.times`: dates and times (text, Excel serials in the 1900/1904 systems, datetimes)
- :mod:`.money`: amounts in yuan → integer fen
- :mod:`.ids`: order ids as exact text
- :mod:`.booleans`: the one yes/no vocabulary
- :mod:`.excel`: fen, times and serials as Excel cell values
"""
