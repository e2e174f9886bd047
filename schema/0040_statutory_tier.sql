-- Which tier of the law each placement is: the Tier 2 Watch List is a part of the law's Tier 2, so
-- "moved up a full tier" (the Special Watch List) and "skipped a tier" are read from this column.
-- depends: 0021_special_watch_list_counts
ALTER TABLE tip.tier ADD COLUMN statutory_tier smallint;
-- The table is a five-row lookup written only by migrations.
UPDATE tip.tier SET statutory_tier = CASE tier_code WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '2WL' THEN 2 WHEN '3' THEN 3 END;
-- Validating five rows holds the lock for no time; NOT VALID plus VALIDATE would change nothing here.
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE tip.tier ADD CONSTRAINT tier_statutory_tier_check
    CHECK ((statutory_tier IS NULL) = (NOT is_ranked) AND statutory_tier BETWEEN 1 AND 3);
COMMENT ON COLUMN tip.tier.statutory_tier IS 'The list of 22 U.S.C. 7107(b)(1) the tier belongs to: 1 = (A) fully complies (Tier 1), 2 = (B) significant efforts (Tier 2 and the Tier 2 Watch List), 3 = (C) no significant efforts (Tier 3); NULL for Special Case, which is on no list.';
