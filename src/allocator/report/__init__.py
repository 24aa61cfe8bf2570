"""Layer 4, report: the Solution, its tables, files, workbook, plots and explanations. Imports no
pyomo, no highspy."""
