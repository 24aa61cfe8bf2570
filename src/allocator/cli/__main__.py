"""`python -m allocator.cli`: the same as the `allocator` command."""

from allocator.cli import main

if __name__ == "__main__":
    main()
