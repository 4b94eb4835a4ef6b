-- Readers' comments on articles (the comment API of apis.naver.com), kept like articles:
-- each comment once by its number, every change of its text or state as a version, and one
-- row per snapshot. Times are ISO 8601 in Korea Standard Time (+09:00).

-- One row per reading of an article's comments.
CREATE TABLE comment_snapshots (
    id             INTEGER PRIMARY KEY,
    oid            TEXT    NOT NULL,
    aid            TEXT    NOT NULL,
    taken_at       TEXT    NOT NULL,          -- when the walk began
    mode           TEXT    NOT NULL CHECK (mode IN ('counts', 'all')),
    outcome        TEXT    NOT NULL CHECK (outcome IN ('complete', 'incomplete', 'closed', 'failed')),
    reason         TEXT,                      -- why incomplete or failed, with the URL
    exposure       TEXT,                      -- exposureConfig.status as served (COMMENT_ON when open)
    count_comment  INTEGER,                   -- the API's totals (result.count)
    count_reply    INTEGER,
    count_expose   INTEGER,
    count_deleted_by_user    INTEGER,
    count_deleted_by_monitor INTEGER,
    count_blind_comments     INTEGER,
    count_blind_replies      INTEGER,
    count_total    INTEGER,
    pages          INTEGER NOT NULL DEFAULT 0, -- pages walked
    comments_seen  INTEGER NOT NULL DEFAULT 0, -- distinct comments the pages held
    file_path      TEXT,                      -- the comments file written, relative to the archive
    file_sha256    TEXT                       -- its SHA-256
);
CREATE INDEX comment_snapshots_article ON comment_snapshots (oid, aid, taken_at);

-- Each comment as of the last snapshot that listed it.
CREATE TABLE comments (
    id            INTEGER PRIMARY KEY,
    oid           TEXT    NOT NULL,
    aid           TEXT    NOT NULL,
    comment_no    TEXT    NOT NULL,           -- exactly as served (digits; beyond 2^53)
    parent_no     TEXT    NOT NULL,           -- equal to comment_no for a top-level comment
    author        TEXT    NOT NULL,           -- the masked name as served ("retr****")
    text          TEXT    NOT NULL,
    posted_at     TEXT    NOT NULL,
    modified_at   TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('visible', 'deleted', 'blind', 'hidden')),
    likes         INTEGER NOT NULL DEFAULT 0,
    dislikes      INTEGER NOT NULL DEFAULT 0,
    replies       INTEGER NOT NULL DEFAULT 0,
    first_seen    TEXT    NOT NULL,
    last_seen     TEXT    NOT NULL,
    author_id     TEXT,                       -- userIdNo: only with comments_author_ids = true
    profile_image TEXT,                       -- likewise
    UNIQUE (oid, aid, comment_no)
);

-- Every text and state a comment was seen with: version 1 when first seen, one more at each
-- change. The state as of a time is the last version seen by then.
CREATE TABLE comment_versions (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    version     INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('visible', 'deleted', 'blind', 'hidden')),
    modified_at TEXT,
    seen_at     TEXT    NOT NULL,
    snapshot_id INTEGER NOT NULL REFERENCES comment_snapshots (id),
    UNIQUE (comment_id, version)
);
