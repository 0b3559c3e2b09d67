import sys

from chartkeep.cli import main

sys.exit(main())
