"""The runs: one module a command (solve, compare, frontier, alternatives, sweep, recheck, init,
report), each a function of a typed `RunSpec` (`spec`), written through one shared wrapper
(`common.run_study`: refuse an unsafe output early, load, run the study, provenance, atomic
write). The same functions are the public Python API (`from allocator import solve`).
"""
