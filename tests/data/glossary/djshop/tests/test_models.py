class FixtureShelf:
    fixture_shelf = 1
