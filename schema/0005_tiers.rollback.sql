DROP TABLE tip.tier;
