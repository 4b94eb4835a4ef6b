-- Each kept response's SHA-256 (64 hex digits) of its record's gzip member as written, so
-- that verify tells the stored record from another put in its place, even one whose own
-- WARC digests were computed again to match. NULL: a fetch recorded before the ledger kept
-- it; `verify --repair` records the digest of the record as it then is.
ALTER TABLE fetches ADD COLUMN warc_sha256 TEXT;
