"""`python -m connector.cli`: the same as the `connector` command."""

from connector.cli import main

main()
