-- Discovery's sources: every walk of a listing source (a section's per-date list, a
-- sub-section's latest list, a section's AiRS home, a press list), what it found or how it
-- failed. `status` reads each source's last success, articles found in the last 24 hours and
-- consecutive empty polls from here; rows older than a week are pruned as new ones come.
CREATE TABLE source_polls (
    id      INTEGER PRIMARY KEY,
    source  TEXT    NOT NULL,   -- e.g. "date 100", "latest 100/264", "home 100", "press 015"
    url     TEXT    NOT NULL,   -- the page that ended the walk (the failing one on failure)
    at      INTEGER NOT NULL,   -- unix milliseconds
    found   INTEGER NOT NULL,   -- article refs listed on the pages walked
    added   INTEGER NOT NULL,   -- of them, new to the frontier
    failure TEXT,               -- fetch, empty_shell, missing_component, no_articles, cursor_stuck, ...; NULL when it succeeded
    message TEXT
);
CREATE INDEX source_polls_by_source ON source_polls (source, at);

-- Each host's robots.txt, fetched at most once a day by the service; `status` and the log say
-- what it asks of sillok.
CREATE TABLE robots (
    host       TEXT    PRIMARY KEY,
    fetched_at INTEGER NOT NULL,   -- unix milliseconds
    status     INTEGER NOT NULL,   -- HTTP status, 0 when no answer came
    body       TEXT    NOT NULL,   -- as served (empty without a 2xx answer)
    rules      TEXT    NOT NULL    -- the rules of the group that applies to sillok, one a line
);
