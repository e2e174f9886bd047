DROP TABLE tip.source;
