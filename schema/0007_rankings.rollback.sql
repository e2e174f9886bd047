DROP TABLE tip.ranking;
