-- Why: a DM that pages one person for several incidents at once (a list, sent when pages had to wait for the
-- DM's pace) showed each incident as it stood when it was sent: acknowledged or resolved by a teammate, it
-- still said "triggered". Each list's incidents are kept here, found by incident, so the list is updated as
-- they change. A list's id is the outbox row of the page that posted it.
CREATE TABLE "page_list_items" (
	"list_id" bigint NOT NULL,
	"incident_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"ts" text NOT NULL,
	CONSTRAINT "page_list_items_list_id_incident_id_pk" PRIMARY KEY("list_id","incident_id")
);
--> statement-breakpoint
ALTER TABLE "page_list_items" ADD CONSTRAINT "page_list_items_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "page_list_items_incident" ON "page_list_items" USING btree ("incident_id");