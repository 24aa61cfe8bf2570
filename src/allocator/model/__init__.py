"""Layer 2, model: index sets, the family registry, row blocks and the add_<family> functions.
Imports no highspy.

Importing the package loads nothing else: the table of contents of the build is `build.STEPS`,
and the registry (`families`) is read off the steps it lists, not assembled by imports.
"""
