"""`python -m allocator`: the same as the `allocator` command (and `python -m allocator.cli`)."""

from allocator.cli import main

if __name__ == "__main__":
    main()
