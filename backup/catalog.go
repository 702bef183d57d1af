package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Backup statuses in the catalog.
const (
	StatusRunning  = "running"
	StatusComplete = "complete"
	StatusFailed   = "failed"
)

// Backup is one backup: a catalog row and a metadata.json entry.
type Backup struct {
	ID           int64      `json:"id" db:"id"`
	TenantID     string     `json:"tenant_id" db:"tenant_id"`
	File         string     `json:"file" db:"file"` // relative to [backup] dir
	Kind         string     `json:"kind" db:"kind"`
	Compression  string     `json:"compression" db:"compression"`
	Engine       string     `json:"engine" db:"engine"`
	Size         int64      `json:"size" db:"size"`
	RawBytes     int64      `json:"raw_bytes" db:"raw_bytes"`
	SHA256       string     `json:"sha256" db:"sha256"`
	Tables       int        `json:"tables" db:"tables"`
	Rows         int64      `json:"rows" db:"rows"`
	Server       string     `json:"server" db:"server"`
	Database     string     `json:"database" db:"database_name"`
	SnapshotMode string     `json:"snapshot_mode" db:"snapshot_mode"`
	Status       string     `json:"status" db:"status"`
	Error        string     `json:"error,omitempty" db:"error"`
	StartedAt    time.Time  `json:"started_at" db:"started_at"`
	FinishedAt   *time.Time `json:"finished_at" db:"finished_at"`
	VerifiedAt   *time.Time `json:"verified_at,omitempty" db:"verified_at"`
	// EncryptedTo lists the age recipients of an encrypted backup.
	EncryptedTo Recipients `json:"encrypted_to,omitempty" db:"encrypted_to"`
}

const catalogDDL = "CREATE TABLE IF NOT EXISTS `tenant_backups` (" +
	"`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
	"`tenant_id` VARCHAR(255) NOT NULL," +
	"`file` VARCHAR(1024) NOT NULL," +
	"`kind` VARCHAR(16) NOT NULL," +
	"`compression` VARCHAR(8) NOT NULL," +
	"`engine` VARCHAR(16) NOT NULL," +
	"`size` BIGINT NOT NULL DEFAULT 0," +
	"`raw_bytes` BIGINT NOT NULL DEFAULT 0," +
	"`sha256` CHAR(64) NOT NULL DEFAULT ''," +
	"`tables` INT NOT NULL DEFAULT 0," +
	"`rows` BIGINT NOT NULL DEFAULT 0," +
	"`server` VARCHAR(255) NOT NULL," +
	"`database_name` VARCHAR(64) NOT NULL," +
	"`snapshot_mode` VARCHAR(512) NOT NULL DEFAULT ''," +
	"`status` VARCHAR(16) NOT NULL," +
	"`error` VARCHAR(2048) NOT NULL DEFAULT ''," +
	"`started_at` DATETIME(6) NOT NULL," +
	"`finished_at` DATETIME(6) NULL," +
	"`verified_at` DATETIME(6) NULL," +
	"`encrypted_to` VARCHAR(2048) NOT NULL DEFAULT ''," +
	"INDEX `tenant_backups_tenant_started_index` (`tenant_id`, `started_at`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// InitCatalog creates the central tenant_backups table if it is absent
// (`tenancy init` calls it). It reports whether it created it.
func InitCatalog(ctx context.Context, central *sqlx.DB) (bool, error) {
	if err := initRestores(ctx, central); err != nil {
		return false, err
	}
	var n int
	if err := central.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tenant_backups'"); err != nil {
		return false, fmt.Errorf("look for table tenant_backups: %w", err)
	}
	if n > 0 {
		return false, addRecipientsColumn(ctx, central)
	}
	if _, err := central.ExecContext(ctx, catalogDDL); err != nil {
		return false, fmt.Errorf("create table tenant_backups: %w", err)
	}
	return true, nil
}

// hasRecipientsColumn reports whether the catalog has the encrypted_to
// column (added by this version).
func hasRecipientsColumn(ctx context.Context, central *sqlx.DB) (bool, error) {
	var n int
	if err := central.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tenant_backups' AND COLUMN_NAME = 'encrypted_to'"); err != nil {
		return false, fmt.Errorf("look at table tenant_backups: %w", err)
	}
	return n > 0, nil
}

// addRecipientsColumn upgrades a catalog made before encryption.
func addRecipientsColumn(ctx context.Context, central *sqlx.DB) error {
	if ok, err := hasRecipientsColumn(ctx, central); err != nil || ok {
		return err
	}
	if _, err := central.ExecContext(ctx, "ALTER TABLE `tenant_backups` ADD COLUMN `encrypted_to` VARCHAR(2048) NOT NULL DEFAULT ''"); err != nil {
		return fmt.Errorf("add column encrypted_to to table tenant_backups (run `tenancy init` with a user that may ALTER it): %w", err)
	}
	return nil
}

// catalog reads and writes tenant_backups. columns is the select list:
// a read-only session on a catalog not yet upgraded reads no recipients.
type catalog struct {
	db      *sqlx.DB
	columns string
}

const backupColumns = "`id`,`tenant_id`,`file`,`kind`,`compression`,`engine`,`size`,`raw_bytes`,`sha256`,`tables`,`rows`,`server`,`database_name`,`snapshot_mode`,`status`,`error`,`started_at`,`finished_at`,`verified_at`"

func openCatalog(ctx context.Context, central *sqlx.DB) (catalog, error) {
	ok, err := hasRecipientsColumn(ctx, central)
	if err != nil {
		return catalog{}, err
	}
	if ok {
		return catalog{db: central, columns: backupColumns + ",`encrypted_to`"}, nil
	}
	return catalog{db: central, columns: backupColumns + ",'' AS `encrypted_to`"}, nil
}

func (c catalog) insertRunning(ctx context.Context, b *Backup) error {
	res, err := c.db.ExecContext(ctx, "INSERT INTO `tenant_backups` (`tenant_id`,`file`,`kind`,`compression`,`engine`,`server`,`database_name`,`status`,`started_at`,`encrypted_to`) VALUES (?,?,?,?,?,?,?,?,?,?)",
		b.TenantID, b.File, b.Kind, b.Compression, b.Engine, b.Server, b.Database, StatusRunning, b.StartedAt, b.EncryptedTo)
	if err != nil {
		return fmt.Errorf("record backup of tenant %s: %w", b.TenantID, err)
	}
	b.ID, err = res.LastInsertId()
	b.Status = StatusRunning
	return err
}

func (c catalog) markComplete(ctx context.Context, b *Backup) error {
	_, err := c.db.ExecContext(ctx, "UPDATE `tenant_backups` SET `size`=?,`raw_bytes`=?,`sha256`=?,`tables`=?,`rows`=?,`snapshot_mode`=?,`status`=?,`finished_at`=? WHERE `id`=?",
		b.Size, b.RawBytes, b.SHA256, b.Tables, b.Rows, b.SnapshotMode, StatusComplete, b.FinishedAt, b.ID)
	if err != nil {
		return fmt.Errorf("mark backup %d complete: %w", b.ID, err)
	}
	b.Status = StatusComplete
	return nil
}

func (c catalog) markFailed(ctx context.Context, id int64, cause error) error {
	msg := cause.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	_, err := c.db.ExecContext(ctx, "UPDATE `tenant_backups` SET `status`=?,`error`=?,`finished_at`=? WHERE `id`=?", StatusFailed, msg, time.Now().UTC(), id)
	if err != nil {
		return fmt.Errorf("mark backup %d failed: %w", id, err)
	}
	return nil
}

// failInterrupted marks rows left running by a process that died (the
// caller holds the tenant's lock, so no backup of it is running).
func (c catalog) failInterrupted(ctx context.Context, tenantID string) error {
	_, err := c.db.ExecContext(ctx, "UPDATE `tenant_backups` SET `status`=?,`error`=? WHERE `tenant_id`=? AND `status`=?",
		StatusFailed, "interrupted: the process making it stopped", tenantID, StatusRunning)
	if err != nil {
		return fmt.Errorf("mark interrupted backups of tenant %s: %w", tenantID, err)
	}
	return nil
}

func (c catalog) markVerified(ctx context.Context, id int64, at time.Time) error {
	if _, err := c.db.ExecContext(ctx, "UPDATE `tenant_backups` SET `verified_at`=? WHERE `id`=?", at, id); err != nil {
		return fmt.Errorf("mark backup %d verified: %w", id, err)
	}
	return nil
}

func (c catalog) list(ctx context.Context, tenantID string) ([]Backup, error) {
	q := "SELECT " + c.columns + " FROM `tenant_backups`"
	var args []any
	if tenantID != "" {
		q += " WHERE `tenant_id` = ?"
		args = append(args, tenantID)
	}
	var out []Backup
	if err := c.db.SelectContext(ctx, &out, q+" ORDER BY `started_at`, `id`", args...); err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	return out, nil
}

func (c catalog) get(ctx context.Context, id int64) (Backup, error) {
	var b Backup
	err := c.db.GetContext(ctx, &b, "SELECT "+c.columns+" FROM `tenant_backups` WHERE `id` = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("backup %d is not in the catalog (see `tenancy backup list`)", id)
	}
	if err != nil {
		return b, fmt.Errorf("read backup %d: %w", id, err)
	}
	return b, nil
}

func (c catalog) byFile(ctx context.Context, file string) (Backup, bool, error) {
	var b Backup
	err := c.db.GetContext(ctx, &b, "SELECT "+c.columns+" FROM `tenant_backups` WHERE `file` = ? ORDER BY `id` DESC LIMIT 1", file)
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("look up backup file %s: %w", file, err)
	}
	return b, true, nil
}

func (c catalog) delete(ctx context.Context, id int64) error {
	if _, err := c.db.ExecContext(ctx, "DELETE FROM `tenant_backups` WHERE `id` = ?", id); err != nil {
		return fmt.Errorf("delete backup %d from the catalog: %w", id, err)
	}
	return nil
}

// metadata.json: every complete backup of one tenant, one entry each,
// beside its files in the store.

func metadataName(tenantID string) string {
	return objectName(tenantFolder(tenantID), "metadata.json")
}

func readMetadata(ctx context.Context, st store, tenantID string) ([]Backup, error) {
	data, err := st.ReadSmall(ctx, metadataName(tenantID))
	if errors.Is(err, errNotStored) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read metadata of tenant %s: %w", tenantID, err)
	}
	var out []Backup
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("read %s: %w", st.Location(metadataName(tenantID)), err)
	}
	return out, nil
}

// rewriteMetadata applies edit to the tenant's metadata.json atomically
// (the caller holds the tenant's lock).
func rewriteMetadata(ctx context.Context, st store, tenantID string, edit func([]Backup) []Backup) error {
	list, err := readMetadata(ctx, st, tenantID)
	if err != nil {
		return err
	}
	list = edit(list)
	if list == nil {
		list = []Backup{}
	}
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return st.Replace(ctx, metadataName(tenantID), append(data, '\n'))
}
