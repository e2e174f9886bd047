DROP TABLE tip.country_name;
DROP TABLE tip.country;
DROP TABLE tip.region;
