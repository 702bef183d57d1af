package lifecycle

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// The rates a plan's time estimates use, measured by
// scripts/bench-move.sh between two local MariaDB servers on a loaded
// 2-core machine (docs/lifecycle.md; an idle or larger machine is
// faster): the streamed copy with the copy's checksums, CHECKSUM TABLE of
// the source inside the freeze, and the freeze's fixed cost (maintenance
// mode down and up, the read lock, the registry switch).
const (
	copyBytesPerSecond     = 10 << 20
	checksumBytesPerSecond = 200 << 20
	freezeOverhead         = 300 * time.Millisecond
)

// MovePlan is what a move would do (--dry-run).
type MovePlan struct {
	Tenant   string `json:"tenant"`
	Name     string `json:"name"`
	Database string `json:"database"`
	From     string `json:"from"`
	To       string `json:"to"`
	Tables   int    `json:"tables"`
	Rows     int64  `json:"rows_estimate"`
	// Bytes is the server's estimate of data and indexes.
	Bytes int64 `json:"bytes"`
	// Copy and Freeze are estimates: the whole move, and the time writes
	// are blocked when nothing changes during the copy (each table that
	// does is copied again inside the freeze).
	Copy   time.Duration `json:"copy_ns"`
	Freeze time.Duration `json:"freeze_ns"`
	User   string        `json:"db_user,omitempty"`
	// Problems say why the move would be refused.
	Problems []string `json:"problems,omitempty"`
}

// Plan describes the move of t to server to without changing anything.
func (s *Service) Plan(ctx context.Context, t tenants.Tenant, to string) (MovePlan, error) {
	p := MovePlan{Tenant: t.ID, Name: t.Name, Database: t.Database, From: t.Server, To: to, User: t.DBUser}
	info, err := s.tenants.DatabaseInfo(ctx, t)
	if err != nil {
		return p, err
	}
	if !info.Exists {
		p.Problems = append(p.Problems, fmt.Sprintf("database %s does not exist on %s", t.Database, t.Server))
	}
	p.Tables, p.Rows, p.Bytes = len(info.Tables), info.Rows, info.Bytes
	p.Copy, p.Freeze = estimate(p.Bytes)
	switch _, ok := s.tenants.Config().Server(to); {
	case !ok:
		p.Problems = append(p.Problems, fmt.Sprintf("server %q is not configured (known: %s)", to, strings.Join(s.tenants.Servers().Names(), ", ")))
	case to == t.Server:
		p.Problems = append(p.Problems, "the tenant is already on "+to)
	default:
		target, err := s.tenants.Servers().DB(ctx, to)
		if err != nil {
			return p, err
		}
		if exists, err := tenants.DatabaseExists(ctx, target, t.Database); err != nil {
			return p, err
		} else if exists {
			p.Problems = append(p.Problems, fmt.Sprintf("database %s already exists on %s", t.Database, to))
		}
	}
	if m, err := activeMove(ctx, s.tenants.Central(), t.ID); err != nil {
		return p, err
	} else if m != nil {
		p.Problems = append(p.Problems, fmt.Sprintf("an unfinished move to %s (phase %s): resume it with --resume or roll it back with --abort", m.To, m.Phase))
	}
	return p, nil
}

// estimate is the copy and freeze time of a database of bytes.
func estimate(bytes int64) (copyTime, freeze time.Duration) {
	copyTime = time.Duration(float64(bytes) / copyBytesPerSecond * float64(time.Second))
	freeze = freezeOverhead + time.Duration(float64(bytes)/checksumBytesPerSecond*float64(time.Second))
	return copyTime + freeze, freeze
}

// ServerLoad is a server's tenant data before and after a rebalance.
type ServerLoad struct {
	Server  string `json:"server"`
	Tenants int    `json:"tenants"`
	Before  int64  `json:"bytes_before"`
	After   int64  `json:"bytes_after"`
}

// PlannedMove is one move of a rebalance plan.
type PlannedMove struct {
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	From   string `json:"from"`
	To     string `json:"to"`
	Bytes  int64  `json:"bytes"`
}

// RebalancePlan evens out the tenant data per server.
type RebalancePlan struct {
	Servers []ServerLoad  `json:"servers"`
	Moves   []PlannedMove `json:"moves"`
}

// Rebalance plans moves that even out the size of tenant data per
// configured server (data and indexes, the servers' estimates). It
// changes nothing; the moves are then made one by one with Move.
func (s *Service) Rebalance(ctx context.Context) (RebalancePlan, error) {
	all, err := s.tenants.List(ctx, tenants.ListOptions{})
	if err != nil {
		return RebalancePlan{}, err
	}
	sizes := map[string]map[string]int64{} // server -> database -> bytes
	var loads []sized
	for _, name := range s.tenants.Servers().Names() {
		db, err := s.tenants.Servers().DB(ctx, name)
		if err != nil {
			return RebalancePlan{}, err
		}
		var rows []struct {
			Database string `db:"db"`
			Bytes    int64  `db:"bytes"`
		}
		if err := db.SelectContext(ctx, &rows, "SELECT TABLE_SCHEMA AS db, COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS bytes FROM information_schema.TABLES GROUP BY TABLE_SCHEMA"); err != nil {
			return RebalancePlan{}, fmt.Errorf("read database sizes on %s: %w", name, err)
		}
		sizes[name] = map[string]int64{}
		for _, r := range rows {
			sizes[name][r.Database] = r.Bytes
		}
	}
	for _, t := range all {
		if byDB, ok := sizes[t.Server]; ok {
			loads = append(loads, sized{t: t, bytes: byDB[t.Database]})
		}
	}
	return planRebalance(s.tenants.Servers().Names(), loads), nil
}

// sized is a tenant and the size of its database.
type sized struct {
	t     tenants.Tenant
	bytes int64
}

// planRebalance is a greedy plan: while it narrows the gap, move from the
// most loaded server to the least loaded one the tenant whose size is
// nearest half the gap (and smaller than the gap); each tenant moves at
// most once. Not optimal (that is a partition problem), but it never
// widens the spread and needs few moves.
func planRebalance(servers []string, list []sized) RebalancePlan {
	load := map[string]int64{}
	count := map[string]int{}
	for _, x := range list {
		load[x.t.Server] += x.bytes
		count[x.t.Server]++
	}
	plan := RebalancePlan{}
	for _, sv := range servers {
		plan.Servers = append(plan.Servers, ServerLoad{Server: sv, Tenants: count[sv], Before: load[sv]})
	}
	moved := map[string]bool{}
	for range list {
		hi, lo := servers[0], servers[0]
		for _, sv := range servers {
			if load[sv] > load[hi] {
				hi = sv
			}
			if load[sv] < load[lo] {
				lo = sv
			}
		}
		gap := load[hi] - load[lo]
		best := -1
		for i, x := range list {
			if x.t.Server != hi || moved[x.t.ID] || x.bytes <= 0 || x.bytes >= gap {
				continue
			}
			if best < 0 || abs(gap-2*x.bytes) < abs(gap-2*list[best].bytes) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		x := list[best]
		moved[x.t.ID] = true
		load[hi] -= x.bytes
		load[lo] += x.bytes
		plan.Moves = append(plan.Moves, PlannedMove{Tenant: x.t.ID, Name: x.t.Name, From: hi, To: lo, Bytes: x.bytes})
	}
	for i := range plan.Servers {
		plan.Servers[i].After = load[plan.Servers[i].Server]
	}
	sort.SliceStable(plan.Moves, func(a, b int) bool { return plan.Moves[a].Bytes > plan.Moves[b].Bytes })
	return plan
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
