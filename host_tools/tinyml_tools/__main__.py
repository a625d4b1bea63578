import sys

from tinyml_tools.cli import main

sys.exit(main())
