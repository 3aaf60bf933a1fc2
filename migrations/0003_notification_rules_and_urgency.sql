ALTER TABLE `incidents` ADD `urgency` text DEFAULT 'high' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `notification_rules` text;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_verified_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `sms_opted_out` integer DEFAULT false NOT NULL;