package backup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Policy is a retention policy with restic's meanings: keep the Last n
// backups; the newest backup of each of the last Daily days, Weekly ISO
// weeks and Monthly months that have one; and every backup made within
// Within of the newest. A backup any rule keeps is kept.
type Policy struct {
	Last    int           `json:"keep_last,omitempty"`
	Daily   int           `json:"keep_daily,omitempty"`
	Weekly  int           `json:"keep_weekly,omitempty"`
	Monthly int           `json:"keep_monthly,omitempty"`
	Within  time.Duration `json:"older_than,omitempty"`
}

// PolicyFrom reads [backup.retention].
func PolicyFrom(r config.Retention) Policy {
	return Policy{Last: r.KeepLast, Daily: r.KeepDaily, Weekly: r.KeepWeekly, Monthly: r.KeepMonthly, Within: time.Duration(r.OlderThan)}
}

// ErrEmptyPolicy refuses a cleanup that names no rule (it would keep
// only the newest backup of each tenant).
var ErrEmptyPolicy = errors.New("the retention policy is empty: give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly, --older-than (or set [backup.retention])")

// Empty reports whether no rule is set.
func (p Policy) Empty() bool {
	return p.Last <= 0 && p.Daily <= 0 && p.Weekly <= 0 && p.Monthly <= 0 && p.Within <= 0
}

// Decision is the plan for one backup.
type Decision struct {
	Backup  Backup   `json:"backup"`
	Keep    bool     `json:"keep"`
	Reasons []string `json:"reasons"`
}

type bucketRule struct {
	name  string
	count int
	key   func(t time.Time, i int) string
	last  string
}

// Departed is what Plan knows of deleted tenants: their final backups
// outlive them for Keep ([backup] keep_deleted), then go.
type Departed struct {
	// Exists reports whether a tenant is still registered; nil: every
	// tenant is (no final backup is ever removed).
	Exists func(tenantID string) bool
	Keep   time.Duration
	Now    time.Time
}

// final decides on a final backup: kept while its tenant exists, and
// for Keep after it is gone (a failed one of a gone tenant goes at once).
func (d Departed) final(b Backup) Decision {
	if d.Exists == nil || d.Exists(b.TenantID) {
		return Decision{Backup: b, Keep: true, Reasons: []string{"final backup: outside retention while its tenant exists"}}
	}
	switch {
	case b.Status == StatusRunning:
		return Decision{Backup: b, Keep: true, Reasons: []string{"in progress"}}
	case b.Status != StatusComplete:
		return Decision{Backup: b, Reasons: []string{"not complete (its tenant is deleted)"}}
	}
	until := b.StartedAt.Add(d.Keep)
	if d.Now.Before(until) {
		return Decision{Backup: b, Keep: true, Reasons: []string{"final backup of a deleted tenant: kept until " + until.UTC().Format("2006-01-02 15:04") + " (keep_deleted)"}}
	}
	return Decision{Backup: b, Reasons: []string{"final backup of a deleted tenant, older than keep_deleted (" + d.Keep.String() + ")"}}
}

// Plan applies p to backups, tenant by tenant, newest first. The newest
// complete backup of each tenant is always kept, so are running ones;
// failed ones are removed. Final and orphan backups are outside
// retention, listed after the others: orphan ones are always kept, final
// ones until gone says their tenant is deleted and they are old enough.
func Plan(backups []Backup, p Policy, gone Departed) ([]Decision, error) {
	if p.Empty() {
		return nil, ErrEmptyPolicy
	}
	byTenant := map[string][]Backup{}
	var order []string
	var apart []Decision
	for _, b := range backups {
		if b.Kind == KindFinal {
			apart = append(apart, gone.final(b))
			continue
		}
		if !Retained(b.Kind) {
			apart = append(apart, Decision{Backup: b, Keep: true, Reasons: []string{b.Kind + " backup: outside retention"}})
			continue
		}
		if _, ok := byTenant[b.TenantID]; !ok {
			order = append(order, b.TenantID)
		}
		byTenant[b.TenantID] = append(byTenant[b.TenantID], b)
	}
	sort.Strings(order)
	var out []Decision
	for _, id := range order {
		out = append(out, planTenant(byTenant[id], p)...)
	}
	return append(out, apart...), nil
}

func planTenant(list []Backup, p Policy) []Decision {
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].StartedAt.Equal(list[j].StartedAt) {
			return list[i].StartedAt.After(list[j].StartedAt)
		}
		return list[i].ID > list[j].ID
	})
	rules := []*bucketRule{
		{name: "last", count: p.Last, key: func(_ time.Time, i int) string { return fmt.Sprint(i) }},
		{name: "daily", count: p.Daily, key: func(t time.Time, _ int) string { return t.Format("2006-01-02") }},
		{name: "weekly", count: p.Weekly, key: func(t time.Time, _ int) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) }},
		{name: "monthly", count: p.Monthly, key: func(t time.Time, _ int) string { return t.Format("2006-01") }},
	}
	var newest time.Time
	newestSeen := false
	out := make([]Decision, 0, len(list))
	for i, b := range list {
		d := Decision{Backup: b}
		switch b.Status {
		case StatusRunning:
			d.Keep, d.Reasons = true, []string{"in progress"}
		case StatusComplete:
			t := b.StartedAt.UTC()
			if !newestSeen {
				newestSeen, newest = true, t
				d.Keep, d.Reasons = true, []string{"newest"}
			}
			for _, r := range rules {
				if r.count <= 0 {
					continue
				}
				if k := r.key(t, i); k != r.last {
					r.last, r.count = k, r.count-1
					d.Keep, d.Reasons = true, append(d.Reasons, r.name)
				}
			}
			if p.Within > 0 && !t.Before(newest.Add(-p.Within)) {
				d.Keep, d.Reasons = true, append(d.Reasons, "within "+p.Within.String())
			}
		default:
			d.Reasons = []string{"not complete"}
		}
		if !d.Keep && len(d.Reasons) == 0 {
			d.Reasons = []string{"no rule keeps it"}
		}
		out = append(out, d)
	}
	return out
}

// Cleanup plans p over the catalog's backups (of one tenant when
// tenantID is set) and, unless dryRun, removes what the plan removes:
// each file with its catalog row and metadata.json entry, under the
// tenant's lock. Final backups of deleted tenants go once older than
// [backup] keep_deleted.
func (s *Service) Cleanup(ctx context.Context, tenantID string, p Policy, dryRun bool) (_ []Decision, err error) {
	if !dryRun {
		if err := access.Require(ctx, access.BackupCleanup, tenantID); err != nil {
			return nil, err
		}
		defer access.Done(ctx, access.BackupCleanup, tenantID, &err)
		ctx = access.Within(ctx, access.BackupDelete)
	}
	all, err := s.cat.list(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	gone, err := s.departed(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := Plan(all, p, gone)
	if err != nil || dryRun {
		return plan, err
	}
	if s.tenants.ReadOnly() {
		return plan, tenants.ErrReadOnly
	}
	for _, d := range plan {
		if d.Keep {
			continue
		}
		if err := s.Delete(ctx, d.Backup); err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// departed reads which tenants exist now, for Plan.
func (s *Service) departed(ctx context.Context) (Departed, error) {
	list, err := s.tenants.List(ctx, tenants.ListOptions{})
	if err != nil {
		return Departed{}, fmt.Errorf("read the registry to tell deleted tenants' final backups apart: %w", err)
	}
	live := make(map[string]bool, len(list))
	for _, t := range list {
		live[t.ID] = true
	}
	return Departed{Exists: func(id string) bool { return live[id] }, Keep: s.cfg.KeepDeleted.D(), Now: time.Now()}, nil
}

// Delete removes one backup: its file, catalog row and metadata entry.
func (s *Service) Delete(ctx context.Context, b Backup) (err error) {
	if err := access.Require(ctx, access.BackupDelete, b.TenantID); err != nil {
		return err
	}
	defer access.Done(ctx, access.BackupDelete, b.TenantID, &err, fmt.Sprintf("backup=%d", b.ID))
	if s.tenants.ReadOnly() {
		return tenants.ErrReadOnly
	}
	if b.ID == 0 {
		return fmt.Errorf("%s is not in the catalog: delete the file yourself", b.File)
	}
	lock, err := tenants.AcquireLock(ctx, s.tenants.Central(), b.TenantID)
	if err != nil {
		return err
	}
	defer lock.Release()
	if err := s.storeFor(b).Remove(ctx, b.File); err != nil {
		return fmt.Errorf("delete backup %d: %w", b.ID, err)
	}
	if err := s.cat.delete(ctx, b.ID); err != nil {
		return err
	}
	return rewriteMetadata(ctx, s.store, b.TenantID, func(list []Backup) []Backup {
		out := list[:0]
		for _, m := range list {
			if m.ID != b.ID {
				out = append(out, m)
			}
		}
		return out
	})
}
