ALTER TABLE `download_events` ADD `bytes_sent` integer;--> statement-breakpoint
ALTER TABLE `download_events` ADD `outcome` text;--> statement-breakpoint
ALTER TABLE `download_events` ADD `reason` text;