-- Why: Baton now keeps the members of every Slack user group an escalation policy pages, not only of the admin
-- group, so that whoever a group page reached may act on the incident. Each group's members live under
-- `user_group_members:<group ID>`; the admin group's copy moves there from `admin_user_group_members`, so an
-- upgrade keeps the admins it had even if Slack cannot be reached at start-up.
UPDATE "settings" SET "key" = 'user_group_members:' || ("value"::json ->> 'group')
WHERE "key" = 'admin_user_group_members' AND ("value"::json ->> 'group') IS NOT NULL;--> statement-breakpoint
DELETE FROM "settings" WHERE "key" = 'admin_user_group_members';
