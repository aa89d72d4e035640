"""``python -m tokledger``: the same entry point as the ``tokledger`` command."""

from tokledger.launch import main

if __name__ == "__main__":
    main()
