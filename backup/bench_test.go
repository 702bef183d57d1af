package backup

import (
	"context"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// sysbenchLike is four sysbench-shaped tables of 60k rows (~55 MB of SQL).
var sysbenchLike = func() []string {
	var out []string
	for _, n := range []string{"sbtest1", "sbtest2", "sbtest3", "sbtest4"} {
		out = append(out,
			"CREATE TABLE "+n+" (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))",
			"INSERT INTO "+n+" (k, c, pad) SELECT FLOOR(RAND(seq) * 60000), LEFT(SHA2(seq, 512), 120), LEFT(SHA2(-seq, 256), 60) FROM seq_1_to_60000",
			"ANALYZE TABLE "+n)
	}
	return out
}()

// BenchmarkDump measures the native dump (zstd) of sysbenchLike.
func BenchmarkDump(b *testing.B) {
	f := newFixture(b)
	tn := f.tenant(b, "bench", sysbenchLike...)
	benchCreate(b, f.bs, tn)
}

// benchCreate backs tn up with bs in a loop. Besides the time, it reports
// tail-ms/op: from the last byte handed to the store to the end of Create
// (a folder: fsync, rename; S3: the last parts and the completion; then
// the catalog row and metadata.json).
func benchCreate(b *testing.B, bs *Service, tn tenants.Tenant) {
	var raw int64
	var tail time.Duration
	for b.Loop() {
		var finish time.Time
		bk, err := bs.Create(context.Background(), CreateRequest{Tenant: tn}, func(p Progress) {
			if p.Step == StepFinish && finish.IsZero() {
				finish = time.Now()
			}
		})
		require.NoError(b, err)
		tail += time.Since(finish)
		raw = bk.RawBytes
		require.NoError(b, bs.Delete(context.Background(), bk))
	}
	b.SetBytes(raw)
	b.ReportMetric(float64(tail.Milliseconds())/float64(b.N), "tail-ms/op")
}

// BenchmarkRestore measures loading that dump into a new database.
func BenchmarkRestore(b *testing.B) {
	f := newFixture(b)
	tn := f.tenant(b, "bench", sysbenchLike...)
	bk, err := f.bs.Create(context.Background(), CreateRequest{Tenant: tn}, nil)
	require.NoError(b, err)
	b.SetBytes(bk.RawBytes)
	i := 0
	for b.Loop() {
		i++
		_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: bk, Target: tn, NewDatabase: f.env.Prefix + "bench_" + string(rune('a'+i%26))}, nil)
		require.NoError(b, err)
		b.StopTimer()
		f.env.Exec(b, "DROP DATABASE `"+f.env.Prefix+"bench_"+string(rune('a'+i%26))+"`")
		b.StartTimer()
	}
}

// BenchmarkDumpToS3 measures the same dump streamed to an S3 server on
// loopback with the production part size, plain and encrypted. The
// server (gofakes3, in memory) runs in this process: a -cpuprofile shows
// its share (gofakes3, s3mem) apart from the upload's own.
func BenchmarkDumpToS3(b *testing.B) {
	f := newFixture(b)
	s3 := newFakeS3(b)
	tn := f.tenant(b, "bench", sysbenchLike...)
	id, err := age.GenerateX25519Identity()
	require.NoError(b, err)
	for _, encrypt := range []bool{false, true} {
		name := "plain"
		if encrypt {
			name = "age"
		}
		b.Run(name, func(b *testing.B) {
			bs := f.s3Service(b, s3.storage(s3.srv.Listener.Addr().String()), func(c *config.Backup) {
				if encrypt {
					c.EncryptTo = []string{id.Recipient().String()}
				}
			})
			s3Of(b, bs).partSize = 0 // sized from the estimate, as in production
			benchCreate(b, bs, tn)
		})
	}
}
