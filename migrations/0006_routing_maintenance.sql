CREATE TABLE `maintenance_windows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `maintenance_windows_service` ON `maintenance_windows` (`service_id`,`end_at`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `deferred_until` integer;--> statement-breakpoint
ALTER TABLE `incidents` ADD `suppressed` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `services` ADD `routing` text;--> statement-breakpoint
ALTER TABLE `teams` ADD `working_hours` text;