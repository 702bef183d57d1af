package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
)

func TestDescribeProgress(t *testing.T) {
	line := describeProgress(backup.Progress{Step: backup.StepData, Table: "users", TableDone: 50, TableTotal: 100,
		Done: 500, Total: 1000, Bytes: 10e6, Written: 2e6, EstimateBytes: 20e6, Elapsed: 2 * time.Second})
	for _, want := range []string{"data users 50/~100", "500/~1000 rows", "9.5 MiB/~19.1 MiB → 1.9 MiB", "5.0 MB/s", "ETA 2s", "2s"} {
		require.Contains(t, line, want)
	}
	restore := describeProgress(backup.Progress{Step: backup.StepLoad, Done: 7, Bytes: 5 << 20, EstimateBytes: 10 << 20, Elapsed: time.Second})
	require.Contains(t, restore, "7 statements")
	require.Contains(t, restore, "ETA 1s")
}

func TestProgressViewJSONAndTTY(t *testing.T) {
	var buf bytes.Buffer
	v := newProgressView(&buf, false, true, 1)
	v.report("t1", backup.Progress{Step: backup.StepData, Done: 3})
	require.Equal(t, `{"event":"progress","tenant":"t1","step":"data","rows":3,"estimate":0,"bytes":0,"written":0,"elapsed_ns":0}`+"\n", buf.String())

	buf.Reset()
	tty := newProgressView(&buf, true, false, 2)
	tty.report("t1", backup.Progress{Step: backup.StepData})
	tty.finish()
	require.True(t, strings.HasPrefix(buf.String(), "\r\x1b[2K[0/2] t1 data"))
	require.True(t, strings.HasSuffix(buf.String(), "\r\x1b[2K"))
}

func TestAgeFlag(t *testing.T) {
	var a ageFlag
	require.NoError(t, a.Set("30d"))
	require.Equal(t, 30*24*time.Hour, time.Duration(a))
	require.NoError(t, a.Set("90m"))
	require.Equal(t, 90*time.Minute, time.Duration(a))
	require.Error(t, a.Set("soon"))
}
