DROP TABLE tip.load_run;
