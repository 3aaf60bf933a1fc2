-- Why: several nodes share the outbox and Slack's limits (issue 17). A claim now has a lease, so a node that dies
-- mid-send leaves its rows to the others; pacing (next free slots, slots given to held-back rows, 429 blocks,
-- card-update spacing) moves from memory into a table every node reads and that survives a restart.
CREATE TABLE `pacing` (
	`key` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`incident_id` integer
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_until` integer;--> statement-breakpoint
CREATE INDEX `outbox_leases` ON `outbox` (`lease_until`) WHERE status = 'sending';