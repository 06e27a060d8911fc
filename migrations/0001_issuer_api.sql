CREATE TABLE `admin_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_keys_hash_unique` ON `admin_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `admin_keys_tenant` ON `admin_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `files` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`size` integer,
	`mime_type` text NOT NULL,
	`sha256` text,
	`source` text NOT NULL,
	`origin_url` text,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `links` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`order_number` text NOT NULL,
	`item_id` text NOT NULL,
	`file_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`download_limit` integer,
	`expires_at` integer,
	`download_count` integer DEFAULT 0 NOT NULL,
	`limit_override` integer,
	`extra_downloads` integer DEFAULT 0 NOT NULL,
	`expires_at_override` integer,
	`canceled_count` integer DEFAULT 0 NOT NULL,
	`ip_restriction` text,
	`device_limit` integer,
	`require_login` integer DEFAULT false NOT NULL,
	`revoked` integer DEFAULT false NOT NULL,
	`last_download_at` integer,
	`count_version` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `links_customer` ON `links` (`tenant_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `links_order` ON `links` (`tenant_id`,`order_number`);--> statement-breakpoint
CREATE TABLE `order_items` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`order_number` text NOT NULL,
	`position` integer NOT NULL,
	`product_id` text NOT NULL,
	`product_name` text NOT NULL,
	`product_slug` text,
	`variant_name` text,
	`sku` text,
	`vendor` text,
	`tags` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_items_order` ON `order_items` (`tenant_id`,`order_number`,`position`);--> statement-breakpoint
CREATE TABLE `orders` (
	`tenant_id` text NOT NULL,
	`number` text NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`purchased_at` integer NOT NULL,
	`access_key` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`tenant_id`, `number`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_access_key_unique` ON `orders` (`access_key`);--> statement-breakpoint
CREATE INDEX `orders_customer` ON `orders` (`tenant_id`,`customer_id`,`purchased_at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `customer_secret_enc` text;