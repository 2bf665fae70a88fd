import sys

from bastion.pii.cli import main

sys.exit(main())
