-- How article pages were read, per KST day: from their regions (the fast path) or whole
-- (the fallback, when a region was missing or unusual). A rising whole_page count is
-- layout drift that defeats the fast path.
CREATE TABLE extractions (
    day TEXT PRIMARY KEY,                     -- YYYY-MM-DD, KST
    regions INTEGER NOT NULL DEFAULT 0,
    whole_page INTEGER NOT NULL DEFAULT 0,
    last_fallback TEXT                        -- why the day's last whole-page parse happened
) WITHOUT ROWID;
