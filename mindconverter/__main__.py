"""``python -m mindconverter``."""

import sys

from mindconverter.cli import main

sys.exit(main())
