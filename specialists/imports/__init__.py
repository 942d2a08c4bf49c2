"""Imports: the rosters' kinds (specialists, organisations, teams, village and industry assignments),
the job that previews and commits an upload, and the history of imports. The division tree's kinds
(division lists, boundaries) and the contract every kind follows are in villages.imports."""
