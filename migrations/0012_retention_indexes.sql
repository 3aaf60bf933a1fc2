-- Why: retention (RETENTION_DAYS) deletes the oldest raw bodies and long-sent messages a batch at a time;
-- without these it would read the whole table to find them on every pass.
CREATE INDEX `outbox_created_at` ON `outbox` (`created_at`) WHERE status in ('sent', 'skipped', 'failed');--> statement-breakpoint
CREATE INDEX `raw_payloads_received_at` ON `raw_payloads` (`received_at`);