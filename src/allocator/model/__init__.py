"""Layer 2, model: index sets, the family registry, row blocks and the add_<family> functions.
Imports no highspy."""
