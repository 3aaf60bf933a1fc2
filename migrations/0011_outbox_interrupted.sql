-- Why: a message in flight when the process died may already be in Slack. Recovery marks such rows
-- `interrupted`, and the sender looks for the message (by the outbox id carried in its metadata) before
-- posting it again, so a crash costs at most one duplicate page instead of one per message in flight.
ALTER TABLE `outbox` ADD `interrupted` integer DEFAULT false NOT NULL;
