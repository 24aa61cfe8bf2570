"""Layer 2, model: index sets, the family registry, row blocks and the add_<family> functions.
Imports no highspy.

The modules that declare build steps and families (`families.step`, `families.family`) are
imported here, in build order, so that `families.FAMILIES` and `families.BUILDERS` are complete,
and in that order, whichever module of the package is imported first.
"""

import importlib

DECLARING = ("constraints", "links", "levels", "measures", "targets", "robust")
"""The modules that declare the build steps, in the order `build_model` calls them."""

for _module in DECLARING:
    importlib.import_module(f"allocator.model.{_module}")
