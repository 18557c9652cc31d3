"""`python -m trimtab`: the same command line as the installed `trimtab` script.

Useful where the script is not on PATH (a bare virtualenv, a container):

    python -m trimtab db upgrade
"""

from trimtab.cli import main

main()
