#!/bin/sh
# Print the path of a Python 3.12 or newer: $PYTHON when set, else one on PATH, else pyenv's.
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ]; then
    if ok "$PYTHON"; then command -v "$PYTHON"; exit 0; fi
    echo "PYTHON=$PYTHON is not a Python 3.12 or newer." >&2
    exit 1
fi
for name in python3.14 python3.13 python3.12 python3 python; do
    path=$(command -v "$name" 2>/dev/null) && ok "$path" && { echo "$path"; exit 0; }
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for path in "$root"/versions/3.1[2-9]*/bin/python; do
    ok "$path" && { echo "$path"; exit 0; }
done
echo "No Python 3.12 or newer found. Install one (for example: pyenv install 3.12)" >&2
echo "or name it: make demo PYTHON=/path/to/python3.12" >&2
exit 1
