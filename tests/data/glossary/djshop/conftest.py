class FixtureShelf:
    pass
