package backup

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/tenants"
)

// A restore records its scratch database in the central table
// tenancy_restores before creating it and removes the record once the
// scratch database is gone. A record that outlives its restore (the
// process was killed, the machine lost) is the marker that lets the next
// restore of the tenant drop the scratch database safely: only databases a
// record names are ever dropped, never one that merely looks like a
// scratch name, and only while no process holds the tenant's lock (every
// restore holds it from start to cleanup).

const restoresDDL = "CREATE TABLE IF NOT EXISTS `tenancy_restores` (" +
	"`server` VARCHAR(255) NOT NULL," +
	"`database_name` VARCHAR(64) NOT NULL," +
	"`tenant_id` VARCHAR(255) NOT NULL," +
	"`target` VARCHAR(64) NOT NULL," +
	"`host` VARCHAR(255) NOT NULL," +
	"`pid` INT NOT NULL," +
	"`started_at` DATETIME(6) NOT NULL," +
	"PRIMARY KEY (`server`, `database_name`)," +
	"INDEX `tenancy_restores_tenant_index` (`tenant_id`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// Leftover is a scratch database a killed restore left behind.
type Leftover struct {
	Server    string    `json:"server" db:"server"`
	Database  string    `json:"database" db:"database_name"`
	TenantID  string    `json:"tenant_id" db:"tenant_id"`
	Target    string    `json:"target" db:"target"`
	Host      string    `json:"host" db:"host"`
	PID       int       `json:"pid" db:"pid"`
	StartedAt time.Time `json:"started_at" db:"started_at"`
}

// markScratch records the scratch database a restore is about to create.
func (s *Service) markScratch(ctx context.Context, server, scratch string, target tenants.Tenant) error {
	host, _ := os.Hostname()
	_, err := s.tenants.Central().ExecContext(ctx, "INSERT INTO `tenancy_restores` (`server`,`database_name`,`tenant_id`,`target`,`host`,`pid`,`started_at`) VALUES (?,?,?,?,?,?,?)",
		server, scratch, target.ID, target.Database, host, os.Getpid(), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("record scratch database %s: %w", scratch, err)
	}
	return nil
}

// unmarkScratch removes the record once the scratch database is dropped.
func (s *Service) unmarkScratch(ctx context.Context, server, scratch string) error {
	_, err := s.tenants.Central().ExecContext(ctx, "DELETE FROM `tenancy_restores` WHERE `server` = ? AND `database_name` = ?", server, scratch)
	return err
}

// dropLeftovers drops the scratch databases earlier restores of the tenant
// left behind. The caller holds the tenant's lock, so their owners are gone.
func (s *Service) dropLeftovers(ctx context.Context, tenantID string) error {
	var left []Leftover
	if err := s.tenants.Central().SelectContext(ctx, &left, "SELECT `server`,`database_name`,`tenant_id`,`target`,`host`,`pid`,`started_at` FROM `tenancy_restores` WHERE `tenant_id` = ?", tenantID); err != nil {
		return fmt.Errorf("look for scratch databases of earlier restores: %w", err)
	}
	for _, l := range left {
		server, err := s.tenants.Servers().DB(ctx, l.Server)
		if err != nil {
			return err
		}
		if err := tenants.DropDatabase(ctx, server, l.Database); err != nil {
			return fmt.Errorf("drop scratch database %s left by a restore started %s by process %d on %s: %w", l.Database, l.StartedAt.Format(time.RFC3339), l.PID, l.Host, err)
		}
		if err := s.unmarkScratch(ctx, l.Server, l.Database); err != nil {
			return err
		}
	}
	return nil
}

// Leftovers lists the scratch databases of restores whose process is gone
// (no one holds their tenant's lock); the next restore of each tenant drops
// them.
func (s *Service) Leftovers(ctx context.Context) ([]Leftover, error) {
	var all []Leftover
	if err := s.tenants.Central().SelectContext(ctx, &all, "SELECT `server`,`database_name`,`tenant_id`,`target`,`host`,`pid`,`started_at` FROM `tenancy_restores` ORDER BY `started_at`"); err != nil {
		return nil, fmt.Errorf("list scratch databases of restores: %w", err)
	}
	var out []Leftover
	for _, l := range all {
		busy, err := tenants.LockHeld(ctx, s.tenants.Central(), l.TenantID)
		if err != nil {
			return nil, err
		}
		if !busy {
			out = append(out, l)
		}
	}
	return out, nil
}

func initRestores(ctx context.Context, central *sqlx.DB) error {
	if _, err := central.ExecContext(ctx, restoresDDL); err != nil {
		return fmt.Errorf("create table tenancy_restores: %w", err)
	}
	return nil
}
