-- Files of an archive written by the earlier crawler, brought in by `sillok adopt`. Each
-- row marks a version whose content came from such a file (its versions row has
-- rules_version 0 and no fetch: sillok's content rules never saw the page).
CREATE TABLE adoptions (
    id               INTEGER PRIMARY KEY,
    article_id       INTEGER NOT NULL REFERENCES articles (id),
    version          INTEGER NOT NULL,          -- versions.version that holds the content
    source_path      TEXT    NOT NULL,          -- the old file, as it was found
    source_sha256    TEXT    NOT NULL UNIQUE,   -- SHA-256 of the old file's bytes
    old_content_hash TEXT    NOT NULL,          -- the content_hash the old file states
    copy_path        TEXT    NOT NULL,          -- its byte-exact copy, relative to the archive
    adopted_at       TEXT    NOT NULL
);
CREATE INDEX adoptions_article ON adoptions (article_id);
