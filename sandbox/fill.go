package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
)

// fillFile names the large tenant's fill script in its run (the runs
// screen shows it as the run's operation).
const fillFile = "demo-fill-megacorp.sql"

// fillBatches of 100,000 activity_log rows (~33 MB each with indexes)
// make the large tenant about 330 MB.
const fillBatches = 10

// fillScript inserts fillBatches batches of rows into the large tenant's
// activity_log; each batch only while the table holds fewer rows than
// the target (counted before the batch into a session variable: the
// script runs on one connection, and a subquery on the table being
// filled would make the server copy each batch to a temporary table),
// so a resumed or repeated fill stops where it should.
func fillScript() string {
	digits := "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " +
		"UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	target := fillBatches * 100000
	var b strings.Builder
	b.WriteString("-- The demo's large tenant: activity, filled in the background.\n")
	for i := range fillBatches {
		b.WriteString("SET @demo_rows = (SELECT COUNT(*) FROM activity_log);\n")
		fmt.Fprintf(&b, "INSERT INTO activity_log (user_id, action, subject, created_at)\n"+
			"SELECT 1 + (a.d + 10 * b.d + 100 * c.d) %% 50, ELT(1 + (a.d + e.d) %% 5, 'login', 'order.created', 'invoice.paid', 'task.done', 'export'),\n"+
			"  CONCAT('batch %d ', REPEAT(MD5(a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d), 6)),\n"+
			"  NOW(6) - INTERVAL (a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d + %d) MINUTE\n"+
			"FROM %s a, %s b, %s c, %s e, %s f\n"+
			"WHERE @demo_rows < %d;\n", i+1, i*100000, digits, digits, digits, digits, digits, target)
	}
	return b.String()
}

func (s *Sandbox) fillPIDFile() string { return filepath.Join(s.Dir, "fill.pid") }
func (s *Sandbox) fillLog() string     { return filepath.Join(s.Dir, "fill.log") }

// Fill makes sure the large tenant is being filled: unless its fill run
// is done or worked right now, it records one (a sql run over that
// tenant) or picks up the one left, and starts exe (tenancy itself) in
// the background to work it (`tenancy runs resume ID`); the process
// outlives the dashboard and `tenancy demo stop` ends it. The runs
// screen shows the fill as that run. It returns a sentence saying what
// it did.
func Fill(ctx context.Context, dir, exe string) (string, error) {
	dir, err := resolveDir(dir)
	if err != nil {
		return "", err
	}
	s := &Sandbox{Dir: dir, ConfigPath: configFile(dir)}
	s.loadState()
	cfg, err := config.Load(s.ConfigPath)
	if err != nil {
		return "", err
	}
	svc, err := tenants.Open(ctx, cfg, tenants.Options{})
	if err != nil {
		return "", err
	}
	defer svc.Close()
	big, err := svc.Find(ctx, "megacorp.localhost")
	if err != nil {
		return "", fmt.Errorf("the demo's large tenant: %w", err)
	}
	fs, err := fleet.Open(ctx, svc, fleet.DefaultOperations())
	if err != nil {
		return "", err
	}
	run, found, err := fillRun(ctx, fs)
	if err != nil {
		return "", err
	}
	switch {
	case found && run.State == fleet.RunDone:
		return fmt.Sprintf("the large tenant %s is filled (run %d)", LargeTenant, run.ID), nil
	case found && run.State == fleet.RunRunning:
		if alive, err := fs.Alive(ctx, run.ID); err != nil || alive {
			return fmt.Sprintf("the large tenant %s is being filled (run %d)", LargeTenant, run.ID), err
		}
	case !found || run.State == fleet.RunFailed:
		op, err := fleet.NewSQL(fillFile, fillScript(), false, 0)
		if err != nil {
			return "", err
		}
		run, err = fs.Create(ctx, fleet.CreateRequest{Operation: op, Selection: fleet.Selection{Refs: []string{big.ID}}, Limits: fleet.Limits{Parallel: 1}})
		if err != nil {
			return "", err
		}
	}
	if run.State == fleet.RunPaused {
		return "", fmt.Errorf("the fill run %d is paused: `tenancy runs continue %d`", run.ID, run.ID)
	}
	pid, err := startDetached(s.fillLog(), exe, "--config", s.ConfigPath, "runs", "resume", strconv.FormatInt(run.ID, 10))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(s.fillPIDFile(), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		return "", err
	}
	return fmt.Sprintf("filling the large tenant %s to ~330 MB in the background: run %d on :runs (w)", LargeTenant, run.ID), nil
}

// fillRun finds the latest fill run.
func fillRun(ctx context.Context, fs *fleet.Service) (fleet.Run, bool, error) {
	runs, err := fs.List(ctx, 200)
	if err != nil {
		return fleet.Run{}, false, err
	}
	for _, r := range runs {
		var a struct {
			File string `json:"file"`
		}
		if r.Operation == fleet.SQLName && json.Unmarshal([]byte(r.Args), &a) == nil && a.File == fillFile {
			return r, true, nil
		}
	}
	return fleet.Run{}, false, nil
}

// stopFill stops the fill process recorded in pidFile, if that pid is
// still a `runs resume` (a pid the system reused is left alone). Its run
// records cancelled; the next `tenancy demo` resumes it.
func stopFill(pidFile string) error {
	pid := readPID(pidFile)
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if pid == 0 || err != nil || !strings.Contains(string(cmdline), "resume") {
		return nil
	}
	return stopPID(pid, 30*time.Second)
}
