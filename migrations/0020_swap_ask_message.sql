-- Why: a swap request's DM to the teammate kept its Accept and Decline buttons, or said "You accepted", after
-- the requester withdrew the request or either of them cancelled the swap. Where the DM is (its channel and
-- ts, once sent) is kept with the request, so it is updated to say what became of it.
ALTER TABLE `swap_requests` ADD `ask_channel` text;--> statement-breakpoint
ALTER TABLE `swap_requests` ADD `ask_ts` text;
