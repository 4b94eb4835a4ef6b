-- The frontier: the one queue of articles to fetch, shared by every command.
CREATE TABLE frontier (
    id         INTEGER PRIMARY KEY,
    oid        TEXT    NOT NULL,
    aid        TEXT    NOT NULL,
    source     TEXT    NOT NULL,            -- discovery, backfill, revisit, crawl
    priority   INTEGER NOT NULL,            -- higher first: discovery 100, revisit 50, backfill 10
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'in_flight', 'done', 'failed', 'gone')),
    attempts   INTEGER NOT NULL DEFAULT 0,  -- failed attempts since the last success
    revisits   INTEGER NOT NULL DEFAULT 0,  -- edit-capture visits done
    next_at    INTEGER NOT NULL,            -- unix milliseconds; not before
    owner_pid  INTEGER,                     -- process holding an in_flight item
    last_error TEXT,
    added_at   TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (oid, aid)
);
CREATE INDEX frontier_ready ON frontier (state, priority DESC, next_at);
CREATE INDEX versions_first_seen ON versions (first_seen);
CREATE INDEX articles_state_first_seen ON articles (state, first_seen);

-- Walking progress of listings (per date and listing), so walks resume where they stopped.
CREATE TABLE listings (
    key        TEXT    PRIMARY KEY,         -- e.g. "section:101:20240301", "press:015:20240301"
    date       TEXT    NOT NULL,            -- YYYYMMDD, KST
    page       INTEGER,                     -- next page to fetch (paged listings)
    cursor     TEXT,                        -- next cursor (cursor listings)
    done       INTEGER NOT NULL DEFAULT 0,
    refs_found INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT    NOT NULL
);

-- One politeness budget per host, shared by every process on this ledger.
CREATE TABLE hosts (
    host         TEXT    PRIMARY KEY,
    next_slot_ms INTEGER NOT NULL DEFAULT 0, -- unix ms before which no request may start
    paused_until INTEGER NOT NULL DEFAULT 0, -- circuit breaker: unix ms
    pause_reason TEXT,
    strikes      INTEGER NOT NULL DEFAULT 0  -- consecutive 403/429 answers
);
