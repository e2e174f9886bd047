-- The law's three tiers, with the Watch List inside Tier 2: what "moved up a full tier" counts in.
-- depends: 0023_resolve_country_by_pattern
ALTER TABLE tip.tier ADD COLUMN level smallint CHECK (level BETWEEN 1 AND 3);
UPDATE tip.tier SET level = CASE tier_code WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '2WL' THEN 2 WHEN '3' THEN 3 END;
-- tip.tier holds five rows: the scan is instant.
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE tip.tier ADD CONSTRAINT tier_level_when_ranked CHECK ((level IS NULL) = (NOT is_ranked));
COMMENT ON COLUMN tip.tier.level IS 'Tier of the law: 1, 2 (Tier 2 and the Tier 2 Watch List) or 3; NULL for Special Case. A move to a lower level is a move up a full tier.';
