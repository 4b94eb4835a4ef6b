-- The raw responses: each fetch whose response is kept in the archive's WARC files points
-- to its response record, and each version says what made it.
ALTER TABLE fetches ADD COLUMN warc_file TEXT;      -- relative to the archive; NULL: not kept
ALTER TABLE fetches ADD COLUMN warc_offset INTEGER; -- byte offset of the record's gzip member
ALTER TABLE fetches ADD COLUMN warc_length INTEGER; -- its length in bytes
CREATE INDEX fetches_warc_file ON fetches (warc_file) WHERE warc_file IS NOT NULL;

-- crawl: a fetch found it (new article or an edit by the publisher); reparse: a stored
-- response read again under newer content rules; import: a response from another tool's WARC.
ALTER TABLE versions ADD COLUMN origin TEXT NOT NULL DEFAULT 'crawl'
    CHECK (origin IN ('crawl', 'reparse', 'import'));
