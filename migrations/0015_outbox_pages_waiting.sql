-- Why: in a storm, pages held for a person's DM pace are sent as one message, and card refreshes, team
-- posts and channel set-up wait while pages are waiting (issue 15). Both look for the few DM pages still to go by
-- due time; a partial index holds only those, so the look costs nothing next to a backlog of other messages.
CREATE INDEX `outbox_pages_waiting` ON `outbox` (`next_attempt_at`) WHERE kind = 'slack.page' and status in ('pending', 'sending');
