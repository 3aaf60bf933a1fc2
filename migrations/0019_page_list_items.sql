-- Why: a DM that pages one person for several incidents at once (a list, sent when pages had to wait for the
-- DM's pace) showed each incident as it stood when it was sent: acknowledged or resolved by a teammate, it
-- still said "triggered". Each list's incidents are kept here, found by incident, so the list is updated as
-- they change. A list's id is the outbox row of the page that posted it.
CREATE TABLE `page_list_items` (
	`list_id` integer NOT NULL,
	`incident_id` integer NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	PRIMARY KEY(`list_id`, `incident_id`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `page_list_items_incident` ON `page_list_items` (`incident_id`);