"""Layer 5, studies: compare, frontier, sweeps and robust plans, built on the layers below."""
