"""A progress bar for import commands: redrawn in place on a terminal, a line per 10% otherwise."""

import sys


def progress(items, *, total, label, stream=None, width=30):
    # A management command's OutputWrapper ends every write with a newline: write to its stream.
    stream = getattr(stream, "_out", stream) or sys.stderr
    interactive = stream.isatty()
    step = max(total // 10, 1)
    for done, item in enumerate(items, start=1):
        yield item
        if interactive:
            filled = width * done // max(total, 1)
            bar = "#" * filled + "-" * (width - filled)
            stream.write(f"\r{label} [{bar}] {done}/{total}")
            if done == total:
                stream.write("\n")
        elif done % step == 0 or done == total:
            stream.write(f"{label}: {done}/{total}\n")
        stream.flush()
