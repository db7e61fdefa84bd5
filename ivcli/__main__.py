from ivcli import gcstart

gcstart.pause()  # the collector stays off until the database is open (``ivcli.gcstart``)

from ivcli.cli.main import run  # noqa: E402

if __name__ == "__main__":
    run()
