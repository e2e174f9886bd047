-- Tier placements as a lookup table rather than an enum: BI tools filter and sort lookup rows well.
-- depends: 0001_schemas
CREATE TABLE tip.tier (
    tier_code  text     PRIMARY KEY CHECK (tier_code ~ '^(1|2|2WL|3|special_case)$'),
    label      text     NOT NULL UNIQUE,
    ordinal    smallint NOT NULL UNIQUE CHECK (ordinal BETWEEN 1 AND 5),
    is_ranked  boolean  NOT NULL
);
COMMENT ON TABLE tip.tier IS 'The placements a TIP Report can give a country.';
COMMENT ON COLUMN tip.tier.tier_code IS 'Code used in seed files: 1, 2, 2WL, 3 or special_case.';
COMMENT ON COLUMN tip.tier.label IS 'Name as the report prints it.';
COMMENT ON COLUMN tip.tier.ordinal IS 'Sort order from best (1 = Tier 1) to worst (4 = Tier 3); 5 = Special Case, which is not on the scale.';
COMMENT ON COLUMN tip.tier.is_ranked IS 'False for Special Case, which the report gives instead of a tier; such placements are neither upgrades nor downgrades.';

INSERT INTO tip.tier (tier_code, label, ordinal, is_ranked) VALUES
    ('1', 'Tier 1', 1, true),
    ('2', 'Tier 2', 2, true),
    ('2WL', 'Tier 2 Watch List', 3, true),
    ('3', 'Tier 3', 4, true),
    ('special_case', 'Special Case', 5, false);
