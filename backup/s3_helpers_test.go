package backup

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
)

// fakeS3 is an S3 server speaking the real protocol over HTTP on
// loopback (gofakes3 on an in-memory backend), with faults to inject.
type fakeS3 struct {
	srv    *httptest.Server
	bucket string
	// failParts answers that many part uploads (PUT ?partNumber) with
	// failStatus before passing them on; failGets does the same to GETs.
	failParts, failGets atomic.Int32
	failStatus          atomic.Int32
	failed              atomic.Int32
	// delay slows every request down (a slow server).
	delay atomic.Int64

	mu sync.Mutex
	// gets logs the object GETs: the key, and " range=..." when ranged.
	gets []string
}

// objectGets returns the GETs logged since the last call and clears the log.
func (f *fakeS3) objectGets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.gets
	f.gets = nil
	return out
}

func newFakeS3(t testing.TB) *fakeS3 {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "tenancy-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "tenancy-test-secret")
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	f := &fakeS3{bucket: "backups"}
	require.NoError(t, backend.CreateBucket(f.bucket))
	inner := faker.Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(f.delay.Load()))
		isPart := r.Method == http.MethodPut && r.URL.Query().Has("partNumber")
		if r.Method == http.MethodGet && r.URL.RawQuery == "" {
			get := strings.TrimPrefix(r.URL.Path, "/"+f.bucket+"/")
			if rng := r.Header.Get("Range"); rng != "" {
				get += " range=" + rng
			}
			f.mu.Lock()
			f.gets = append(f.gets, get)
			f.mu.Unlock()
		}
		if (isPart && f.failParts.Add(-1) >= 0) || (r.Method == http.MethodGet && strings.Contains(strings.Trim(r.URL.Path, "/"), "/") && f.failGets.Add(-1) >= 0) {
			f.failed.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(int(f.failStatus.Load()))
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>injected</Message></Error>`)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// storage is the [backup] storage URL of the bucket through host.
func (f *fakeS3) storage(host string) string {
	return "s3://" + f.bucket + "/tenancy?endpoint=http://" + host + "&region=us-east-1"
}

// s3Service opens a second backup service on the fixture's catalog, with
// its own local folder, storing into storage; edit adjusts its config.
func (f *fixture) s3Service(t testing.TB, storage string, edit func(*config.Backup)) *Service {
	t.Helper()
	cfg := f.env.Config.Backup
	cfg.Dir = t.TempDir()
	cfg.Storage = storage
	if edit != nil {
		edit(&cfg)
	}
	s, err := openWith(context.Background(), f.ts, cfg)
	require.NoError(t, err)
	if _, ok := s.store.(*s3Store); ok {
		u, err := url.Parse(storage)
		require.NoError(t, err)
		opts, err := parseS3URL(u)
		require.NoError(t, err)
		opts.retries = 4
		st2, err := newS3Store(opts)
		require.NoError(t, err)
		st2.partSize = 5 << 20 // S3's smallest: several parts in a test
		s.store = st2
	}
	return s
}

func s3Of(t testing.TB, s *Service) *s3Store {
	t.Helper()
	st, ok := s.store.(*s3Store)
	require.True(t, ok)
	return st
}

// objects lists the bucket's visible objects under the store's prefix.
func objects(t *testing.T, st *s3Store) []string {
	t.Helper()
	var out []string
	for o := range st.client.ListObjects(context.Background(), st.opts.Bucket, minio.ListObjectsOptions{Prefix: st.opts.Prefix + "/", Recursive: true}) {
		require.NoError(t, o.Err)
		out = append(out, strings.TrimPrefix(o.Key, st.opts.Prefix+"/"))
	}
	sort.Strings(out)
	return out
}

// stored downloads an object whole.
func stored(t *testing.T, st *s3Store, name string) []byte {
	t.Helper()
	r, err := st.Open(context.Background(), name)
	require.NoError(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return data
}

// incompleteUploads lists the multipart uploads begun and never finished.
func incompleteUploads(t *testing.T, st *s3Store) []string {
	t.Helper()
	ups, err := st.incomplete(context.Background(), "")
	require.NoError(t, err)
	var out []string
	for _, u := range ups {
		out = append(out, u.Key)
	}
	return out
}

// cutProxy forwards TCP connections to target; while cutting is set, it
// closes each connection once more than cutAfter bytes went from the
// client to the server (mid-request).
type cutProxy struct {
	ln       net.Listener
	target   string
	cutAfter int64
	cutting  atomic.Bool
	cuts     atomic.Int32
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string, cutAfter int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{ln: ln, target: target, cutAfter: cutAfter, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for c := range p.conns { // idle keep-alive connections
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.pipe(c)
		}()
	}
}

func (p *cutProxy) pipe(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		_ = c.Close()
	}()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, s)
		close(done)
	}()
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if p.cutting.Load() && sent+int64(n) > p.cutAfter {
				p.cuts.Add(1)
				_ = c.Close()
				_ = s.Close()
				<-done
				return
			}
			sent += int64(n)
			if _, werr := s.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = s.Close()
	<-done
}
