-- Why: /healthz and /metrics count the outbox backlog and incidents by state on every request and scrape,
-- and read the whole outbox and incidents tables to do it (with 200,000 sent messages and 50,000 resolved
-- incidents: 18 ms a health check, 30 ms a scrape, and the tables' pages pulled into the page cache). Failed
-- messages get a partial index holding only them (pending and sending ones are counted from outbox_due and
-- outbox_leases); open incidents one holding their state; and resolved_at an index, from which resolved
-- incidents are counted (all less the open ones) and retention finds long-resolved ones, without the table.
CREATE INDEX `incidents_open_status` ON `incidents` (`status`) WHERE status <> 'resolved';--> statement-breakpoint
CREATE INDEX `incidents_resolved_at` ON `incidents` (`resolved_at`);--> statement-breakpoint
CREATE INDEX `outbox_failed` ON `outbox` (`status`) WHERE status = 'failed';