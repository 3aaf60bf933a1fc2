CREATE TABLE `cover_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rotation_id` text NOT NULL,
	`requester_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`note` text,
	`status` text NOT NULL,
	`taken_by` text,
	`taken_at` integer,
	`channel` text,
	`ts` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`rotation_id`) REFERENCES `rotations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `overrides` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rotation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`kind` text NOT NULL,
	`replaces_user_id` text,
	`reason` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`cancelled_at` integer,
	`cancelled_by` text,
	FOREIGN KEY (`rotation_id`) REFERENCES `rotations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `overrides_rotation_end` ON `overrides` (`rotation_id`,`end_at`);--> statement-breakpoint
CREATE INDEX `overrides_end` ON `overrides` (`end_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `swap_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rotation_id` text NOT NULL,
	`requester_id` text NOT NULL,
	`teammate_id` text NOT NULL,
	`give_start` integer NOT NULL,
	`give_end` integer NOT NULL,
	`take_start` integer,
	`take_end` integer,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`rotation_id`) REFERENCES `rotations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `time_off` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`reason` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`cancelled_at` integer,
	`cancelled_by` text
);
--> statement-breakpoint
CREATE INDEX `time_off_user` ON `time_off` (`user_id`,`end_at`);--> statement-breakpoint
CREATE INDEX `time_off_end` ON `time_off` (`end_at`);--> statement-breakpoint
ALTER TABLE `rotations` ADD `restrictions` text;--> statement-breakpoint
ALTER TABLE `rotations` ADD `layers` text;--> statement-breakpoint
ALTER TABLE `rotations` ADD `slack_user_group` text;--> statement-breakpoint
ALTER TABLE `users` ADD `role` text DEFAULT 'member' NOT NULL;