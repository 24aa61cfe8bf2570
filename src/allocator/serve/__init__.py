"""`allocator serve`: a local web page for the what-if conversation (`app`), over one scenario
whose HiGHS instance is held across edits (`held`); `save` writes a scenario as a model file and
a run folder."""
