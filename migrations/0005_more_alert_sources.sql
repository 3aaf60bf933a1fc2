CREATE TABLE `heartbeats` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`last_ping_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `integration_keys` ADD `hmac_secret` text;--> statement-breakpoint
ALTER TABLE `integration_keys` ADD `heartbeat_interval_minutes` integer;