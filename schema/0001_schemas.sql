-- Namespaces: core tables in `tip`, the stable public face in `analytics`.
-- yoyo keeps its own bookkeeping in schema `yoyo`, created before it runs.
CREATE SCHEMA tip;
COMMENT ON SCHEMA tip IS 'Core normalized tables of tipdb. Loaded only by the tipdb loader; read them through the analytics schema.';

CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS 'Stable, documented views of the TIP Report data for SQL users and BI tools. Each view states its grain.';
