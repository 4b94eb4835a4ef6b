-- The ledger: everything sillok fetched, saved and changed.
-- Times are ISO 8601 in Korea Standard Time (+09:00).

-- Every HTTP attempt, successful or not.
CREATE TABLE fetches (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    status      INTEGER,                     -- HTTP status; NULL when no response came
    bytes       INTEGER NOT NULL DEFAULT 0,  -- body bytes received (decoded)
    duration_ms INTEGER NOT NULL DEFAULT 0,
    error       TEXT                         -- "<kind>: <message>"; NULL on success
);
CREATE INDEX fetches_started_at ON fetches (started_at);

-- One row per article ref with its current fields.
CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    oid             TEXT    NOT NULL,
    aid             TEXT    NOT NULL,
    url             TEXT    NOT NULL,        -- canonical article URL
    state           TEXT    NOT NULL CHECK (state IN ('archived', 'gone', 'skipped')),
    title           TEXT,
    publisher       TEXT,
    author          TEXT,
    category        TEXT,
    published_at    TEXT,
    modified_at     TEXT,
    original_url    TEXT,
    content_hash    TEXT,                    -- of the current version
    current_version INTEGER,                 -- versions.version of the current version
    path            TEXT,                    -- current file, relative to the archive
    reason          TEXT,                    -- why the state is gone or skipped
    first_seen      TEXT    NOT NULL,
    last_checked    TEXT    NOT NULL,
    UNIQUE (oid, aid)
);

-- Every distinct content of an article; no version is ever lost.
CREATE TABLE versions (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles (id),
    version       INTEGER NOT NULL,          -- 1, 2, ... per article
    content_hash  TEXT    NOT NULL,
    rules_version INTEGER NOT NULL,          -- content rules that produced the hash
    first_seen    TEXT    NOT NULL,          -- crawl time of the fetch that found it
    path          TEXT    NOT NULL,          -- file holding it, relative to the archive
    fetch_id      INTEGER REFERENCES fetches (id),
    UNIQUE (article_id, version)
);
CREATE INDEX versions_content_hash ON versions (content_hash);
