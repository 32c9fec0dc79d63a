"""``python -m radar`` — the same CLI as the ``radar`` script (the service runs crawls so)."""

from radar.cli import main

main()
