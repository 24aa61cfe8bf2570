"""Commands a planner is told to paste (`Next: allocator solve --inputs plan.xlsx`, `allocator
init`'s steps, serve's Save), each word quoted as a POSIX shell reads it back: a path with a
space (`my project/models/a.yaml`), a quote or a `$` pastes as one argument, as written. A layer
of its own, below every layer that prints a command (`cli/`, `serve/`).
"""

from __future__ import annotations

import shlex


def command(*words: object) -> str:
    """`allocator WORDS`, each word (a subcommand, an option, a path) quoted by `shlex.quote`
    where the shell would split or expand it, e.g. `allocator solve 'a b/models/x.yaml'`;
    plain words stay as they are."""
    return " ".join(["allocator", *(shlex.quote(str(word)) for word in words)])
