package perf

import (
	"time"
)

// Report is a finished run.
type Report struct {
	RunID    string    `json:"run_id"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Measured is the measured time in seconds (warm-up excluded).
	Measured   float64        `json:"measured_s"`
	Cancelled  bool           `json:"cancelled"`
	Parameters Options        `json:"parameters"`
	Total      Summary        `json:"total"`
	Tenants    []TenantReport `json:"tenants"`
	Isolation  Isolation      `json:"isolation"`
	// Cleanup is "dropped" or "kept"; CleanupErrors name tables left behind.
	Cleanup       string   `json:"cleanup"`
	CleanupErrors []string `json:"cleanup_errors,omitempty"`
}

// Passed reports whether isolation held and the work tables are gone as asked.
func (r *Report) Passed() bool { return r.Isolation.Passed && len(r.CleanupErrors) == 0 }

// TenantReport is one tenant's part of a report.
type TenantReport struct {
	Tenant   string `json:"tenant"`
	Name     string `json:"name"`
	Database string `json:"database"`
	Server   string `json:"server"`
	DBUser   string `json:"db_user,omitempty"`
	Summary
	Seeded    int64     `json:"seeded"`
	Committed committed `json:"committed"`
}

// Summary is the measured part of a run for a tenant or in total.
type Summary struct {
	Ops       int64                  `json:"ops"`
	OpsPerSec float64                `json:"ops_per_sec"`
	ByKind    map[string]KindSummary `json:"by_kind"`
	Latency   Latency                `json:"latency"`
	Errors    int64                  `json:"errors"`
	// ErrorKinds counts errors by "kind: error"; ErrorSamples holds one
	// message of each.
	ErrorKinds   map[string]int64  `json:"error_kinds,omitempty"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	Deadlocks    int64             `json:"deadlocks_retried"`
	LockWaits    int64             `json:"lock_wait_timeouts_retried"`
	Fairness     Fairness          `json:"fairness"`
}

// KindSummary is one operation kind's share.
type KindSummary struct {
	Ops       int64   `json:"ops"`
	OpsPerSec float64 `json:"ops_per_sec"`
	AvgMs     float64 `json:"avg_ms"`
}

func summaryOf(a *acc, secs float64, perUser []int64) Summary {
	s := Summary{Ops: a.totalOps(), ByKind: make(map[string]KindSummary, numKinds), Latency: latencyOf(a.hist),
		Errors: a.totalErrors(), Deadlocks: a.deadlocks, LockWaits: a.lockWaits, Fairness: fairnessOf(perUser)}
	if len(a.errors) > 0 {
		s.ErrorKinds, s.ErrorSamples = map[string]int64{}, map[string]string{}
		for k, n := range a.errors {
			s.ErrorKinds[k], s.ErrorSamples[k] = n, a.samples[k]
		}
	}
	for _, k := range Kinds {
		ks := KindSummary{Ops: a.ops[k]}
		if ks.Ops > 0 {
			ks.AvgMs = float64(a.latSum[k]) / float64(ks.Ops) / 1000
		}
		if secs > 0 {
			ks.OpsPerSec = float64(ks.Ops) / secs
		}
		s.ByKind[k.String()] = ks
	}
	if secs > 0 {
		s.OpsPerSec = float64(s.Ops) / secs
	}
	return s
}

func (ru *run) buildReport(iso Isolation) *Report {
	secs := 0.0
	if ru.ended.After(ru.measureFrom) {
		secs = ru.ended.Sub(ru.measureFrom).Seconds()
	}
	rep := &Report{RunID: ru.id, Started: ru.started, Measured: secs, Cancelled: ru.cancelled,
		Parameters: ru.opts, Isolation: iso}
	var all []int64
	for i, t := range ru.targets {
		perUser := make([]int64, len(t.users))
		var c committed
		for j, u := range t.users {
			perUser[j] = u.stats.measured
			c.add(u.stats.snapshotCommitted())
		}
		all = append(all, perUser...)
		tn := ru.tenants[i]
		rep.Tenants = append(rep.Tenants, TenantReport{Tenant: tn.ID, Name: tn.Name, Database: tn.Database,
			Server: tn.Server, DBUser: tn.DBUser, Summary: summaryOf(t.total, secs, perUser), Seeded: t.seeded, Committed: c})
	}
	rep.Total = summaryOf(ru.total, secs, all)
	return rep
}
