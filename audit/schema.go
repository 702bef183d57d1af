package audit

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Table is the audit log's table in the central database.
const Table = "tenancy_audit"

const ddl = "CREATE TABLE IF NOT EXISTS `tenancy_audit` (" +
	"`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
	"`at` DATETIME(6) NOT NULL," +
	"`user` VARCHAR(255) NOT NULL," +
	"`role` VARCHAR(16) NOT NULL," +
	"`via` VARCHAR(16) NOT NULL," +
	"`remote` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`action` VARCHAR(64) NOT NULL," +
	"`target` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`detail` TEXT NULL," +
	"`outcome` VARCHAR(16) NOT NULL," +
	"`error` TEXT NULL," +
	"INDEX `tenancy_audit_at_index` (`at`)," +
	"INDEX `tenancy_audit_user_index` (`user`, `at`)," +
	"INDEX `tenancy_audit_target_index` (`target`, `at`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// Init creates the table if it is absent and reports whether it did.
func Init(ctx context.Context, central *sqlx.DB) (bool, error) {
	var n int
	if err := central.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", Table); err != nil {
		return false, fmt.Errorf("look for table %s: %w", Table, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := central.ExecContext(ctx, ddl); err != nil {
		return false, fmt.Errorf("create table %s in the central database: %w (does the central user have CREATE?)", Table, err)
	}
	return true, nil
}
