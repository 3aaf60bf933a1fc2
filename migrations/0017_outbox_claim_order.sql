-- Why: each claim of the outbox sorted every due row by a priority worked out from its kind (pages, then posts,
-- then the rest). In a storm thousands of rows are due and the outbox claims again whenever a send finishes, so
-- the sorting took an eighth of the thread in the 1,000-incident burst (issue 15). The priority is now stored with
-- the row, and claims read a partial index in the order they send. Rows still to send get theirs here.
ALTER TABLE `outbox` ADD `priority` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_claim` ON `outbox` (`priority`,`id`,`next_attempt_at`) WHERE status = 'pending';--> statement-breakpoint
UPDATE `outbox` SET `priority` = CASE
  WHEN `kind` IN ('slack.page', 'twilio.sms', 'twilio.voice', 'twilio.verify') THEN 0
  WHEN `kind` IN ('slack.team_post', 'slack.incident_note', 'slack.message', 'slack.opener_confirm', 'slack.opener_link', 'slack.swap_ask', 'slack.cover_post') THEN 1
  ELSE 2 END WHERE `status` IN ('pending', 'sending');
