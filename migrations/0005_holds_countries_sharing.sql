ALTER TABLE `links` ADD `allowed_countries` text;--> statement-breakpoint
ALTER TABLE `links` ADD `blocked_countries` text;--> statement-breakpoint
ALTER TABLE `links` ADD `held` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `links` ADD `suspended` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `held_at` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `hold_reason` text;