package tenants

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Flavour is the shape of an existing central database.
type Flavour string

// Flavours: stancl v3 only (attributes live in data), or artflow (real columns).
const (
	FlavourStancl  Flavour = "stancl"
	FlavourArtflow Flavour = "artflow"
)

// centralDDL creates the central tables as stancl v3's migrations do, plus
// artflow's columns. Every statement is idempotent; none drops or alters an
// existing column.
var centralDDL = []string{
	"CREATE TABLE IF NOT EXISTS `tenants` (" +
		"`id` VARCHAR(255) NOT NULL PRIMARY KEY," +
		"`name` VARCHAR(255) NULL," +
		"`database` VARCHAR(255) NULL UNIQUE," +
		"`status` ENUM('active','inactive','blocked') NOT NULL DEFAULT 'active'," +
		"`has_homepage` TINYINT(1) NOT NULL DEFAULT 0," +
		"`settings` JSON NULL," +
		"`last_accessed_at` TIMESTAMP NULL," +
		"`created_at` TIMESTAMP NULL," +
		"`updated_at` TIMESTAMP NULL," +
		"`data` JSON NULL," +
		"INDEX `tenants_status_index` (`status`)," +
		"INDEX `tenants_last_accessed_at_index` (`last_accessed_at`)" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS `domains` (" +
		"`id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
		"`domain` VARCHAR(255) NOT NULL," +
		"`tenant_id` VARCHAR(255) NOT NULL," +
		"`created_at` TIMESTAMP NULL," +
		"`updated_at` TIMESTAMP NULL," +
		"UNIQUE KEY `domains_domain_unique` (`domain`)," +
		"KEY `domains_tenant_id_foreign` (`tenant_id`)," +
		"CONSTRAINT `domains_tenant_id_foreign` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON UPDATE CASCADE ON DELETE CASCADE" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
}

// columns is the set of columns of the central tenants table.
type columns map[string]bool

func (c columns) flavour() Flavour {
	if c["status"] && c["name"] {
		return FlavourArtflow
	}
	return FlavourStancl
}

func readColumns(ctx context.Context, db *sqlx.DB, table string) (columns, error) {
	var names []string
	err := db.SelectContext(ctx, &names,
		"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", table)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	c := columns{}
	for _, n := range names {
		c[n] = true
	}
	return c, nil
}

// detect introspects the central database's tenants and domains tables.
func detect(ctx context.Context, db *sqlx.DB) (columns, error) {
	cols, err := readColumns(ctx, db, "tenants")
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("the central database has no tenants table: run `tenancy init` to create it")
	}
	for _, need := range []string{"id", "data"} {
		if !cols[need] {
			return nil, fmt.Errorf("the central tenants table has no %q column, so it is not a stancl/tenancy table: point central.dsn at the right database", need)
		}
	}
	dcols, err := readColumns(ctx, db, "domains")
	if err != nil {
		return nil, err
	}
	for _, need := range []string{"domain", "tenant_id"} {
		if !dcols[need] {
			return nil, fmt.Errorf("the central database has no domains table with a %q column: run `tenancy init` to create it", need)
		}
	}
	return cols, nil
}

// InitResult tells what `init` found and made.
type InitResult struct {
	CreatedDatabase bool
	CreatedTables   []string
	Flavour         Flavour
}
