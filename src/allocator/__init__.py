"""allocator: an optimal, explainable allocation of a national investment strategy."""

__version__ = "0.1.0"
