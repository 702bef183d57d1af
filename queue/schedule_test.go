package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
)

// TestScheduleFiresOnceWithThreeSchedulers: three workers (each its own
// asynq server and scheduler on the queue's Redis, in this process so the
// test sees each firing's second), each running the same @every 1s
// schedule: each tick runs the command once, not once per scheduler.
func TestScheduleFiresOnceWithThreeSchedulers(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	fired := map[string]int{}
	var errs []string
	opts := WorkerOptions{
		Kinds:     []string{"schedule"},
		Schedules: []config.Schedule{{Name: "tick", Cron: "@every 1s", Command: "tenancy doctor --json"}},
		RunCommand: func(ctx context.Context, args []string) (string, error) {
			// Keyed by the second it ran in, not by its task id: two
			// schedulers each firing a tick would run twice that second.
			id, _ := taskIDOf(ctx)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{"doctor", "--json"}, args)
			require.Contains(t, id, "schedule:tick:")
			fired[time.Now().Truncate(time.Second).Format(time.TimeOnly)]++
			return "", nil
		},
		Log: func(e Event) {
			if e.Level == "error" {
				mu.Lock()
				errs = append(errs, e.Error+e.Message)
				mu.Unlock()
			}
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, f.q.NewWorker(f.fs, opts).Run(ctx))
		}()
	}
	time.Sleep(4500 * time.Millisecond) // four or five ticks of the schedule itself
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, errs)
	require.GreaterOrEqual(t, len(fired), 3, "the schedule fired on most ticks: %v", fired)
	for id, n := range fired {
		require.Equal(t, 1, n, "tick %s fired once, not once per scheduler", id)
	}
}

func TestTick(t *testing.T) {
	at := time.Date(2026, 5, 3, 2, 0, 0, 4_000_000, time.UTC)
	require.Equal(t, time.Date(2026, 5, 3, 2, 0, 0, 0, time.UTC), Tick("0 2 * * *", at))
	require.Equal(t, time.Date(2026, 5, 3, 2, 0, 0, 0, time.UTC), Tick("@every 10s", at.Add(9*time.Second)))
	require.Equal(t, "schedule:nightly:1777773600", ScheduleTaskID("nightly", Tick("0 2 * * *", at)))
	next, err := NextTimes(config.Schedule{Cron: "0 2 * * *"}, at, 2)
	require.NoError(t, err)
	require.Equal(t, []time.Time{at.Truncate(time.Hour).Add(24 * time.Hour), at.Truncate(time.Hour).Add(48 * time.Hour)}, next)
}
