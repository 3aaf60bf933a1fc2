ALTER TABLE `incidents` ADD `channel_id` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `commander_id` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `comms_lead_id` text;--> statement-breakpoint
ALTER TABLE `services` ADD `incident_channels` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `teams` ADD `stakeholders_channel` text;