"""Layer 3, solver: the only code that knows HiGHS: the factory, passes, ranging, diagnosis."""
