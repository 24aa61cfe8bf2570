"""Layer 1, data: the input tables, their rules, model files and uncertainty ranges. Imports no
pyomo, no highspy."""
