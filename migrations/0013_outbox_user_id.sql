-- Why: phone throttles, bundling and the App Home look up a person's messages; they read the person from the
-- JSON payload (json_extract on every row). A column with an index answers directly. Existing rows are filled
-- from their payload.
ALTER TABLE `outbox` ADD `user_id` text;--> statement-breakpoint
UPDATE `outbox` SET `user_id` = json_extract(`payload`, '$.userId') WHERE json_extract(`payload`, '$.userId') IS NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_user_kind` ON `outbox` (`user_id`,`kind`);
