package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// tempMarker is in the name of a backup file still being written (the
// backup package's atomic writes).
const tempMarker = ".tmp-"

// checkBackups compares the catalog with the store and the processes:
// rows left running by a dead process, rows whose file is missing or has
// another size (--deep: checksum), files no row lists, temp files,
// scratch databases of killed restores, tenants without a recent backup.
func (s *Service) checkBackups(ctx context.Context, snap *snapshot, opts Options) ([]Finding, error) {
	if s.bs == nil {
		return nil, fmt.Errorf("the backup service is not open: backup checks skipped")
	}
	if snap.catErr != nil {
		return nil, snap.catErr
	}
	var out []Finding
	root := s.bs.Path(backup.Backup{})
	local := !strings.Contains(root, "://")
	listed := map[string]bool{}
	newest := map[string]time.Time{}
	for _, b := range snap.backups {
		listed[filepath.ToSlash(b.File)] = true
		f := Finding{Tenant: b.TenantID, Server: b.Server, Object: fmt.Sprintf("backup %d", b.ID)}
		if t, ok := snap.byID[b.TenantID]; ok {
			f.TenantName = t.Name
		}
		switch b.Status {
		case backup.StatusRunning:
			busy, err := tenants.LockHeld(ctx, s.ts.Central(), b.TenantID)
			if err != nil {
				return out, err
			}
			if busy {
				continue
			}
			f.Check, f.Severity = "backup-running", Warn
			f.Evidence = fmt.Sprintf("catalog row %d (started %s) is still running but no process holds tenant %s's lock: the process making it died", b.ID, b.StartedAt.Format(time.RFC3339), b.TenantID)
			f.Fix, f.FixKind, f.action = "mark the row failed (interrupted)", FixSafe, action{kind: actFailBackup, backupID: b.ID}
			out = append(out, f)
		case backup.StatusComplete:
			if b.FinishedAt != nil && b.FinishedAt.After(newest[b.TenantID]) {
				newest[b.TenantID] = *b.FinishedAt
			}
			if g, ok := s.checkBackupFile(ctx, b, local, opts.Deep, f); ok {
				out = append(out, g)
			}
		}
	}
	if local {
		files, err := storeFiles(root, listed)
		if err != nil {
			return out, err
		}
		out = append(out, files...)
	}
	leftovers, err := s.bs.Leftovers(ctx)
	if err != nil {
		return out, err
	}
	for _, l := range leftovers {
		out = append(out, Finding{Check: "backup-scratch", Severity: Warn, Tenant: l.TenantID, Server: l.Server, Object: l.Database,
			Evidence: fmt.Sprintf("scratch database %s of a restore into %s started %s by process %d on %s, which is gone", l.Database, l.Target, l.StartedAt.Format(time.RFC3339), l.PID, l.Host),
			Fix:      "none here: the next restore of the tenant drops it"})
	}
	if opts.BackupMaxAge > 0 {
		limit := opts.now().Add(-opts.BackupMaxAge)
		for i := range snap.all {
			t := &snap.all[i]
			last, ok := newest[t.ID]
			switch {
			case !ok:
				out = append(out, tenantFinding("backup-stale", Warn, t, "", "no complete backup"))
			case last.Before(limit):
				out = append(out, tenantFinding("backup-stale", Warn, t, "", fmt.Sprintf("newest complete backup finished %s, older than %s", last.Format(time.RFC3339), opts.BackupMaxAge)))
			}
		}
	}
	return out, nil
}

// checkBackupFile looks at a complete backup's file: present, the size
// the catalog recorded, and with deep its whole checksum (Verify).
func (s *Service) checkBackupFile(ctx context.Context, b backup.Backup, local, deep bool, f Finding) (Finding, bool) {
	path := s.bs.Path(b)
	f.Object = fmt.Sprintf("backup %d (%s)", b.ID, b.File)
	if local {
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.Check, f.Severity = "backup-file-missing", Error
			f.Evidence = fmt.Sprintf("catalog row %d says complete but %s does not exist", b.ID, path)
			f.Fix, f.FixKind, f.action = "delete the catalog row (and its metadata.json entry)", FixDestructive, action{kind: actDeleteBackupRow, backupID: b.ID}
			return f, true
		case err != nil:
			f.Check, f.Severity, f.Evidence = "backup-file-missing", Error, fmt.Sprintf("cannot read %s: %v", path, err)
			return f, true
		case fi.Size() != b.Size:
			f.Check, f.Severity = "backup-size", Error
			f.Evidence = fmt.Sprintf("%s is %d bytes; the catalog recorded %d: the file is damaged or was replaced", path, fi.Size(), b.Size)
			return f, true
		}
	}
	if !deep {
		return f, false
	}
	if _, err := s.bs.Verify(ctx, b); err != nil {
		f.Check, f.Severity, f.Evidence = "backup-checksum", Error, err.Error()
		return f, true
	}
	return f, false
}

// storeFiles walks the backup folder for files the catalog does not list
// and temp files of interrupted writes.
func storeFiles(root string, listed map[string]bool) ([]Finding, error) {
	var out []Finding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() == "metadata.json" {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.Contains(d.Name(), tempMarker):
			out = append(out, Finding{Check: "backup-temp-file", Severity: Warn, Object: rel,
				Evidence: path + " is the temp file of an interrupted backup write",
				Fix:      "none here: the tenant's next backup removes it"})
		case !listed[rel]:
			out = append(out, Finding{Check: "backup-unlisted-file", Severity: Warn, Object: rel,
				Evidence: path + " is in the backup folder but no catalog row lists it",
				Fix:      "none automatic: `tenancy backup verify` it, then restore or remove it by hand"})
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("walk the backup folder %s: %w", root, err)
	}
	return out, nil
}
