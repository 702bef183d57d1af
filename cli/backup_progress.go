package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tenancy-dev/tenancy/backup"
)

// progressView shows backup and restore progress: a live line on a
// terminal, one JSON event per line with --json, nothing otherwise.
type progressView struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	json   *json.Encoder
	done   int
	total  int
	drawn  bool
	latest time.Time
}

func newProgressView(w io.Writer, tty, asJSON bool, total int) *progressView {
	v := &progressView{w: w, tty: tty && !asJSON, total: total}
	if asJSON {
		v.json = jsonLines(w)
	}
	return v
}

// event is one line of --json output.
type event struct {
	Event  string `json:"event"`
	Tenant string `json:"tenant,omitempty"`
	backup.Progress
}

func (v *progressView) report(tenant string, p backup.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.json != nil {
		_ = v.json.Encode(event{Event: "progress", Tenant: tenant, Progress: p})
		return
	}
	if !v.tty || time.Since(v.latest) < 100*time.Millisecond && p.Step != backup.StepFinish {
		return
	}
	v.latest = time.Now()
	prefix := ""
	if v.total > 1 {
		prefix = fmt.Sprintf("[%d/%d] ", v.done, v.total)
	}
	printf(v.w, "\r\x1b[2K%s%s %s", prefix, tenant, describeProgress(p))
	v.drawn = true
}

// describeProgress is one line: step, table, rows and bytes against the
// estimate, throughput and ETA.
func describeProgress(p backup.Progress) string {
	secs := p.Elapsed.Seconds()
	s := p.Step
	if p.Table != "" {
		s += " " + p.Table
		if p.TableTotal > 0 {
			s += fmt.Sprintf(" %d/~%d", p.TableDone, p.TableTotal)
		}
	}
	var frac float64
	switch {
	case p.Total > 0:
		frac = float64(p.Done) / float64(p.Total)
		s += fmt.Sprintf("  %d/~%d rows", p.Done, p.Total)
	case p.EstimateBytes > 0:
		frac = float64(p.Bytes) / float64(p.EstimateBytes)
		s += fmt.Sprintf("  %d statements", p.Done)
	}
	s += "  " + humanBytes(p.Bytes)
	if p.EstimateBytes > 0 {
		s += "/~" + humanBytes(p.EstimateBytes)
	}
	if p.Written > 0 {
		s += " → " + humanBytes(p.Written)
	}
	if secs > 0 {
		s += fmt.Sprintf("  %.1f MB/s", float64(p.Bytes)/secs/1e6)
	}
	if frac > 0.01 && frac < 1 {
		eta := time.Duration(secs/frac*(1-frac)) * time.Second
		s += "  ETA " + eta.Round(time.Second).String()
	}
	return s + "  " + p.Elapsed.Round(100*time.Millisecond).String()
}

// finish counts one tenant done and clears the live line.
func (v *progressView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.done++
	if v.drawn {
		printf(v.w, "\r\x1b[2K")
		v.drawn = false
	}
}

// emit writes a --json event other than progress.
func (v *progressView) emit(e any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.json != nil {
		_ = v.json.Encode(e)
	}
}
