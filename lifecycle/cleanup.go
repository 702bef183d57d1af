package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Cleaned is one source a cleanup dropped, or would drop (dry run).
type Cleaned struct {
	Move Move `json:"move"`
	// Skipped says why a due source was kept.
	Skipped string `json:"skipped,omitempty"`
}

// Cleanup drops the source databases (and the tenant's user there) of
// finished moves whose --keep-source time is up. A source that a tenant
// of the registry uses again (moved back) is never dropped: its record
// is closed instead. dryRun only lists them.
func (s *Service) Cleanup(ctx context.Context, dryRun bool) (_ []Cleaned, err error) {
	if !dryRun {
		if err := access.Require(ctx, ActionCleanup); err != nil {
			return nil, err
		}
		defer access.Done(ctx, ActionCleanup, "", &err)
		if s.tenants.ReadOnly() {
			return nil, tenants.ErrReadOnly
		}
	}
	done, err := s.Moves(ctx, PhaseDone)
	if err != nil {
		return nil, err
	}
	all, err := s.tenants.List(ctx, tenants.ListOptions{})
	if err != nil {
		return nil, err
	}
	inUse := map[[2]string]bool{}
	for _, t := range all {
		inUse[[2]string{t.Server, t.Database}] = true
	}
	var out []Cleaned
	for _, m := range done {
		if m.KeepUntil != nil && m.KeepUntil.After(time.Now()) {
			continue
		}
		c := Cleaned{Move: m}
		if inUse[[2]string{m.From, m.Database}] {
			c.Skipped = fmt.Sprintf("a tenant uses %s on %s again", m.Database, m.From)
		}
		if !dryRun {
			if err := s.dropSource(ctx, &c.Move, c.Skipped == ""); err != nil {
				return out, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// dropSource drops a move's source (when drop) and closes its record.
func (s *Service) dropSource(ctx context.Context, m *Move, drop bool) error {
	if drop {
		from, err := s.tenants.Servers().DB(ctx, m.From)
		if err != nil {
			return err
		}
		if err := tenants.DropDatabase(ctx, from, m.Database); err != nil {
			return fmt.Errorf("drop the source of the move of tenant %s: %w", m.TenantID, err)
		}
		if m.DBUser != "" {
			if err := dropUser(ctx, from, m.DBUser); err != nil {
				return err
			}
		}
	}
	return setPhase(ctx, s.tenants.Central(), m, PhaseCleaned)
}
