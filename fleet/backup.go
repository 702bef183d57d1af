package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// BackupName is the backup operation's name.
const BackupName = "backup"

// Backup makes a backup of each tenant with the backup service (the
// catalog, storage, compression and encryption of [backup]): `tenancy
// backup create --all` as a run, recorded per tenant and resumable. A
// resumed run backs up only the tenants not done; a backup that was
// running when its process died is made again (a new file: the dead
// one's catalog row stays failed or running for doctor to report).
type Backup struct {
	Kind        string `json:"kind,omitempty"`
	Compression string `json:"compression,omitempty"`
	// Timeout stops one tenant's backup after this long (0: no limit).
	Timeout time.Duration `json:"timeout_ns,omitempty"`

	mu  sync.Mutex
	svc *backup.Service
}

// NewBackup checks and returns a backup operation; empty kind and
// compression are [backup]'s defaults.
func NewBackup(kind, compression string, timeout time.Duration) (*Backup, error) {
	switch kind {
	case "", backup.KindFull, backup.KindStructure:
	default:
		return nil, fmt.Errorf("%q is not a backup kind for a run: use full or structure", kind)
	}
	switch compression {
	case "", backup.CompressZstd, backup.CompressGzip, backup.CompressNone:
	default:
		return nil, fmt.Errorf("compression %q: use zstd, gzip or none", compression)
	}
	if timeout < 0 {
		return nil, fmt.Errorf("backup timeout %s is negative", timeout)
	}
	return &Backup{Kind: kind, Compression: compression, Timeout: timeout}, nil
}

func backupFactory(args json.RawMessage) (Operation, error) {
	var b Backup
	if err := json.Unmarshal(args, &b); err != nil {
		return nil, fmt.Errorf("backup run's recorded arguments: %w", err)
	}
	return NewBackup(b.Kind, b.Compression, b.Timeout)
}

// Name implements Operation.
func (b *Backup) Name() string { return BackupName }

// Args implements Operation.
func (b *Backup) Args() any { return b }

// Describe implements Operation.
func (b *Backup) Describe(t tenants.Tenant) string {
	kind := b.Kind
	if kind == "" {
		kind = backup.KindFull
	}
	return fmt.Sprintf("make a %s backup of %s on %s", kind, t.Database, t.Server)
}

// service opens the backup service once per operation (a run's items
// share it and its storage client).
func (b *Backup) service(ctx context.Context, ts *tenants.Service) (*backup.Service, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.svc != nil {
		return b.svc, nil
	}
	svc, err := backup.Open(ctx, ts)
	if err != nil {
		return nil, err
	}
	b.svc = svc
	return svc, nil
}

// Do implements Operation.
func (b *Backup) Do(ctx context.Context, env Env, t tenants.Tenant) (Result, error) {
	svc, err := b.service(ctx, env.Tenants)
	if err != nil {
		return Result{}, err
	}
	if b.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.Timeout)
		defer cancel()
	}
	bk, err := svc.Create(ctx, backup.CreateRequest{Tenant: t, Kind: b.Kind, Compression: b.Compression}, nil)
	if err != nil {
		return Result{}, err
	}
	return Result{Summary: fmt.Sprintf("backup %d: %s, %d tables, %d rows, %d bytes (%d raw)", bk.ID, bk.File, bk.Tables, bk.Rows, bk.Size, bk.RawBytes)}, nil
}
