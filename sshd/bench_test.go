package sshd

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
)

// frames records the server's time in each session's model: Update per
// message and View per frame (what the dashboard costs the server; the
// renderer's diff and the SSH channel come on top).
type frames struct {
	mu      sync.Mutex
	views   []time.Duration
	viewCPU []time.Duration
	updates []time.Duration
}

func (f *frames) add(list *[]time.Duration, d time.Duration) {
	f.mu.Lock()
	*list = append(*list, d)
	f.mu.Unlock()
}

func (f *frames) reset() {
	f.mu.Lock()
	f.views, f.viewCPU, f.updates = nil, nil, nil
	f.mu.Unlock()
}

func (f *frames) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.views)
}

type timedModel struct {
	tea.Model
	f *frames
}

func (m timedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	start := time.Now()
	next, cmd := m.Model.Update(msg)
	m.f.add(&m.f.updates, time.Since(start))
	m.Model = next
	return m, cmd
}

// View records the frame's wall time and its CPU time: the goroutine is
// held on its thread meanwhile, whose CPU clock leaves out the time spent
// waiting for a core on a loaded machine.
func (m timedModel) View() tea.View {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, start := threadCPU(), time.Now()
	v := m.Model.View()
	m.f.add(&m.f.views, time.Since(start))
	m.f.add(&m.f.viewCPU, threadCPU()-cpu0)
	return v
}

// threadCPU is the calling thread's CPU clock (Linux
// CLOCK_THREAD_CPUTIME_ID: nanoseconds, where RUSAGE_THREAD counts ticks).
func threadCPU() time.Duration {
	const clockThreadCPUTime = 3
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(int(float64(len(s))*q), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// heapMiB is the live heap after a collection.
func heapMiB() float64 {
	runtime.GC()
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	return float64(st.HeapInuse) / (1 << 20)
}

// rssMiB is the process's resident set (Linux).
func rssMiB() float64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTwentySessions opens 20 SSH sessions (the [ssh] max_sessions
// default; viewers, operators and admins) on a fleet of the demo's size
// (60 tenants), then has every session scroll its tenants list at once, a
// key every 25 ms; one session alone is the reference. It reports the
// server's time per frame (View) and per message (Update), the process's
// CPU per frame, and memory per session. The Go SSH clients and their
// terminal emulators run in the same process, so memory and CPU per frame
// are upper bounds of the server's; View's wall time includes waiting for
// a core, so its tail grows with the load.
//
//	go test ./sshd/ -run '^$' -bench TwentySessions -benchtime 1x
func BenchmarkTwentySessions(b *testing.B) {
	f := newFixture(b, nil)
	f.env.SeedRegistry(b, 60)
	rec := &frames{}
	f.srv.wrapModel = func(m tea.Model) tea.Model { return timedModel{m, rec} }
	for _, n := range []int{1, 20} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				driveSessions(b, f, rec, n)
			}
		})
	}
}

func driveSessions(b *testing.B, f *fixture, rec *frames, sessions int) {
	const keys = 60
	signers := []gossh.Signer{f.keys["viewer"], f.keys["operator"], f.keys["admin"]}
	heap0, rss0 := heapMiB(), rssMiB()
	terms := make([]*term, sessions)
	for i := range terms {
		terms[i] = f.open(b, signers[i%len(signers)])
		terms[i].waitFor(30*time.Second, "Tenant 00000")
	}
	heap1, rss1 := heapMiB(), rssMiB()
	rec.reset()
	cpu0, wall0 := cpuTime(), time.Now()
	var wg sync.WaitGroup
	for _, tm := range terms {
		wg.Go(func() {
			for k := range keys {
				key := "j"
				if k >= keys/2 {
					key = "k"
				}
				if _, err := tm.stdin.Write([]byte(key)); err != nil {
					return
				}
				time.Sleep(25 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	// The frames of the last keys: wait until none come for 300 ms.
	for n := -1; n != rec.count(); {
		n = rec.count()
		time.Sleep(300 * time.Millisecond)
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	rec.mu.Lock()
	views, viewCPU, updates := rec.views, rec.viewCPU, rec.updates
	rec.mu.Unlock()
	for _, tm := range terms { // after the snapshot: a closing program renders nothing
		_ = tm.sess.Close()
		_ = tm.client.Close()
	}
	b.ReportMetric(float64(len(views)), "frames")
	b.ReportMetric(ms(quantile(views, 0.5)), "view-p50-ms")
	b.ReportMetric(ms(quantile(views, 0.95)), "view-p95-ms")
	b.ReportMetric(ms(quantile(views, 0.99)), "view-p99-ms")
	b.ReportMetric(ms(quantile(views, 1)), "view-max-ms")
	b.ReportMetric(ms(quantile(viewCPU, 0.5)), "view-cpu-p50-ms")
	b.ReportMetric(ms(quantile(viewCPU, 0.95)), "view-cpu-p95-ms")
	b.ReportMetric(ms(quantile(viewCPU, 0.99)), "view-cpu-p99-ms")
	b.ReportMetric(ms(quantile(updates, 0.95)), "update-p95-ms")
	b.ReportMetric(ms(cpu)/float64(max(len(views), 1)), "cpu-ms/frame")
	b.ReportMetric(ms(wall), "drive-ms")
	b.ReportMetric((heap1-heap0)/float64(sessions), "heap-MiB/session")
	b.ReportMetric((rss1-rss0)/float64(sessions), "rss-MiB/session")
}
