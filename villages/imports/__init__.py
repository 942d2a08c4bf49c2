"""Reading files people bring (division lists, boundary files, rosters) into a plan of changes.

The contract every kind of import follows (villages.imports.plans): a kind reads an upload
(files.Upload: checked for size, type and expansion before anything parses it) into a Plan (what
each row would create, change or leave unchanged, and every refused row by number, column and
reason) without writing anything; `commit` reads it again inside one transaction and writes all of
it, or raises ImportRefused and writes nothing. The kinds of the division tree live here; the
rosters' kinds, the job that runs an import and its history live in specialists.imports.
"""
