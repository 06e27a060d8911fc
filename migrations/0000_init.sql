CREATE TABLE `download_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`link_id` text NOT NULL,
	`file_id` text NOT NULL,
	`order_number` text,
	`at` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	`country` text,
	`range` text,
	`status` integer NOT NULL,
	`bytes` integer NOT NULL,
	`counted` integer NOT NULL,
	`device` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `download_events_link_at` ON `download_events` (`tenant_id`,`link_id`,`at`);--> statement-breakpoint
CREATE INDEX `download_events_tenant_at` ON `download_events` (`tenant_id`,`at`);--> statement-breakpoint
CREATE TABLE `signing_keys` (
	`tenant_id` text NOT NULL,
	`kid` text NOT NULL,
	`alg` text NOT NULL,
	`secret_enc` text,
	`public_jwk` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`retired_at` integer,
	PRIMARY KEY(`tenant_id`, `kid`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tenant_hosts` (
	`host` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tenant_hosts_tenant` ON `tenant_hosts` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`origin_url` text,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
