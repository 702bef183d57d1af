package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func (s *Sandbox) workersPIDFile() string { return filepath.Join(s.Dir, "workers.pid") }
func (s *Sandbox) workersLog() string     { return filepath.Join(s.Dir, "workers.log") }

// StartWorkers starts n `tenancy worker` processes (exe is tenancy
// itself) on the sandbox's config, whose [queue] is the sandbox's Redis
// (Up with Options.Workers): the dashboard's runs are queued and spread
// over them. Workers already running are stopped first. They log to
// workers.log and outlive the command; StopWorkers (the dashboard's exit)
// and Stop (`tenancy demo stop`) end them. It returns a sentence saying
// what it did.
func StartWorkers(dir, exe string, n int) (string, error) {
	dir, err := resolveDir(dir)
	if err != nil {
		return "", err
	}
	s := &Sandbox{Dir: dir, ConfigPath: configFile(dir)}
	if err := stopWorkers(s.workersPIDFile()); err != nil {
		return "", err
	}
	var pids []string
	for i := range n {
		pid, err := startDetached(s.workersLog(), exe, "--config", s.ConfigPath, "worker", "--concurrency", "2")
		if err != nil {
			return "", fmt.Errorf("start demo worker %d: %w", i+1, err)
		}
		pids = append(pids, strconv.Itoa(pid))
		// Written after each start, so a failure leaves none unrecorded.
		if err := os.WriteFile(s.workersPIDFile(), []byte(strings.Join(pids, "\n")+"\n"), 0o600); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d workers (pids %s) work the dashboard's runs from the queue; their log: %s", n, strings.Join(pids, ", "), s.workersLog()), nil
}

// StopWorkers stops the sandbox's workers: each finishes its running items
// (or puts them back in the queue) and exits.
func StopWorkers(dir string) error {
	dir, err := resolveDir(dir)
	if err != nil {
		return err
	}
	return stopWorkers((&Sandbox{Dir: dir}).workersPIDFile())
}

// stopWorkers stops the processes in pidFile that are still `tenancy
// worker` (a pid the system reused is left alone) and removes the file.
func stopWorkers(pidFile string) error {
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if pid == 0 || err != nil || !strings.Contains(string(cmdline), "worker") {
			continue
		}
		errs = append(errs, stopPID(pid, 45*time.Second)) // its items have [queue] shutdown_timeout (30s) to finish
	}
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
