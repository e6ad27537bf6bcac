-- SQLite: AUTOINCREMENT, WITHOUT ROWID, inline REFERENCES, a unique index.
PRAGMA foreign_keys = ON;
CREATE TABLE artist (
  artist_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL
);
CREATE TABLE album (
  album_id INTEGER PRIMARY KEY,
  title TEXT NOT NULL COLLATE NOCASE,
  artist_id INTEGER NOT NULL REFERENCES artist(artist_id)
);
CREATE TABLE track (
  album_id INTEGER NOT NULL REFERENCES album,
  position INTEGER NOT NULL,
  name TEXT,
  isrc TEXT,
  PRIMARY KEY (album_id, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX track_isrc ON track (isrc);
