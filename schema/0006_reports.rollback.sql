DROP TABLE tip.report;
