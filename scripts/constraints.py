"""Print the constraints file for the running Python: some 3.11 pins need Python 3.11."""

import sys

if sys.version_info < (3, 11):
    print("requirements/constraints-py310.txt")
else:
    print("requirements/constraints.txt")
