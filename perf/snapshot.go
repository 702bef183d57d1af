package perf

// Snapshot is one interval of a run, per tenant and in total.
type Snapshot struct {
	// Elapsed is seconds since measuring started (since the start during warm-up).
	Elapsed float64          `json:"elapsed_s"`
	Warmup  bool             `json:"warmup,omitempty"`
	Total   Interval         `json:"total"`
	Tenants []TenantInterval `json:"tenants"`
}

// TenantInterval is one tenant's share of a Snapshot.
type TenantInterval struct {
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	Interval
}

// Interval is what happened during one interval.
type Interval struct {
	Ops          int64              `json:"ops"`
	OpsPerSec    float64            `json:"ops_per_sec"`
	ByKind       map[string]float64 `json:"ops_per_sec_by_kind"`
	P50          float64            `json:"p50_ms"`
	P95          float64            `json:"p95_ms"`
	P99          float64            `json:"p99_ms"`
	Max          float64            `json:"max_ms"`
	Errors       int64              `json:"errors"`
	ErrorsPerSec float64            `json:"errors_per_sec"`
	// Retries are deadlocks and lock wait timeouts retried.
	Retries    int64 `json:"retries"`
	ConnsInUse int   `json:"conns_in_use"`
}

func intervalOf(a *acc, secs float64, conns int) Interval {
	iv := Interval{Ops: a.totalOps(), ByKind: make(map[string]float64, numKinds), Errors: a.totalErrors(),
		Retries: a.deadlocks + a.lockWaits, ConnsInUse: conns}
	iv.OpsPerSec = float64(iv.Ops) / secs
	iv.ErrorsPerSec = float64(iv.Errors) / secs
	for _, k := range Kinds {
		iv.ByKind[k.String()] = float64(a.ops[k]) / secs
	}
	if a.hist.TotalCount() > 0 {
		q := a.hist.ValueAtPercentiles([]float64{50, 95, 99})
		iv.P50, iv.P95, iv.P99, iv.Max = ms(q[50]), ms(q[95]), ms(q[99]), ms(a.hist.Max())
	}
	return iv
}
