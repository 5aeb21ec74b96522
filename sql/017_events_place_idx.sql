-- 017_events_place_idx: the store path's neighbour lookup (issue 21's incremental merge).
--
-- Storing an article's events recomputes the clusters of the reports linked to its own (same
-- day, sub-event type and country, within 25 km: etl/store/eventclusters.py), found box by box
-- instead of reading whole blocks: equality on the block, a range on the latitude.

CREATE INDEX events_block_place_idx ON events (event_date, sub_event_type, country, latitude);
