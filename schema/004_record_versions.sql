-- Versions of the whole record: a change of the content, title, author, category,
-- published_at, modified_at or original_url is a version, recorded with what changed.
--   changed:       the fields that differ from the version before, comma-separated in that
--                  order ("content" for the content); empty for a first version.
--   change_reason: new (the first version), edit (the page changed), rules (the content
--                  rules changed since the version before, so the difference may be theirs),
--                  unknown (a row written without saying, e.g. re-derived from a file).
ALTER TABLE versions ADD COLUMN changed TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN change_reason TEXT NOT NULL DEFAULT 'unknown';

-- Earlier ledgers made a version only for new content.
UPDATE versions SET changed = 'content',
    change_reason = CASE
        WHEN rules_version <> (SELECT p.rules_version FROM versions p
                               WHERE p.article_id = versions.article_id AND p.version < versions.version
                               ORDER BY p.version DESC LIMIT 1) THEN 'rules'
        ELSE 'edit' END
    WHERE version > (SELECT min(f.version) FROM versions f WHERE f.article_id = versions.article_id);
UPDATE versions SET changed = '', change_reason = 'new'
    WHERE version = (SELECT min(f.version) FROM versions f WHERE f.article_id = versions.article_id);
