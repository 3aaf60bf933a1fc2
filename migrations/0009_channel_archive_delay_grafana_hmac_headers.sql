ALTER TABLE `integration_keys` ADD `hmac_header` text;--> statement-breakpoint
ALTER TABLE `integration_keys` ADD `hmac_timestamp_header` text;--> statement-breakpoint
ALTER TABLE `services` ADD `channel_archive_after_hours` integer DEFAULT 24 NOT NULL;