package backup

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// typesAndBig is the tricky-types fixture (every group in one database)
// plus a 12 MB table, so an uncompressed backup takes several 5 MiB parts.
func typesAndBig() []string {
	var stmts []string
	for _, g := range typeGroups {
		stmts = append(stmts, g.stmts...)
	}
	return append(stmts, bigTable...)
}

// TestS3CreateListVerifyRestoreCleanup runs the whole life of backups in
// a bucket through the real client: a multipart upload (none) and a
// single PUT (zstd), list, verify, restore exact, cleanup.
func TestS3CreateListVerifyRestoreCleanup(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	bs := f.s3Service(t, s3.storage(s3.srv.Listener.Addr().String()), nil)
	st := s3Of(t, bs)
	tn := f.tenant(t, "s3 types", typesAndBig()...)
	ctx := context.Background()

	big, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
	require.NoError(t, err)
	require.Greater(t, big.Size, int64(10<<20), "several parts")
	small, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressZstd}, nil)
	require.NoError(t, err)
	require.Equal(t, "s3://backups/tenancy/"+big.File, bs.Path(big))
	require.Equal(t, []string{big.File, small.File, tenantFolder(tn.ID) + "/metadata.json"}, objects(t, st))
	require.Empty(t, incompleteUploads(t, st))
	require.Len(t, stored(t, st, big.File), int(big.Size))

	meta, err := readMetadata(ctx, st, tn.ID)
	require.NoError(t, err)
	require.Len(t, meta, 2)
	list, err := bs.List(ctx, tn.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)

	for _, b := range []Backup{big, small} {
		v, err := bs.Verify(ctx, b)
		require.NoError(t, err)
		require.True(t, v.Native)
		require.Equal(t, CheckedFull, v.Checked)
		require.Equal(t, b.RawBytes+int64(len(v.Footer))+1, v.RawBytes, "the catalog counts the SQL before the footer")
		copyDB := f.env.Prefix + "s3copy_" + b.Compression
		_, err = bs.Restore(ctx, RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
		require.NoError(t, err)
		f.requireSameData(t, tn.Database, copyDB)
	}
	// Restored over the tenant's own (changed) database with the swap.
	f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+".big WHERE id < 100")
	_, err = bs.Restore(ctx, RestoreRequest{Backup: big, Target: tn}, nil)
	require.NoError(t, err)
	f.requireSameData(t, f.env.Prefix+"s3copy_none", tn.Database)
	f.requireNoScratch(t)

	// Found by its name in the store and by its URL.
	for _, ref := range []string{small.File, bs.Path(small)} {
		found, err := bs.Find(ctx, ref)
		require.NoError(t, err)
		require.Equal(t, small.ID, found.ID)
	}

	plan, err := bs.Cleanup(ctx, tn.ID, Policy{Last: 1}, false)
	require.NoError(t, err)
	require.Len(t, plan, 2)
	require.Equal(t, []string{small.File, tenantFolder(tn.ID) + "/metadata.json"}, objects(t, st))
	meta, err = readMetadata(ctx, st, tn.ID)
	require.NoError(t, err)
	require.Len(t, meta, 1)
	require.Equal(t, small.ID, meta[0].ID)
	entries, err := os.ReadDir(bs.cfg.Dir)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing local: the backups went straight to the bucket")
}

// TestS3TwoServicesShareABucket: one process (its own local folder) backs
// up; another with a different folder lists, verifies and restores it.
func TestS3TwoServicesShareABucket(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	storage := s3.storage(s3.srv.Listener.Addr().String())
	writer := f.s3Service(t, storage, nil)
	reader := f.s3Service(t, storage, nil)
	require.NotEqual(t, writer.cfg.Dir, reader.cfg.Dir)
	tn := f.tenant(t, "s3 shared", typeGroups[0].stmts...)
	ctx := context.Background()
	b, err := writer.Create(ctx, CreateRequest{Tenant: tn}, nil)
	require.NoError(t, err)

	list, err := reader.List(ctx, tn.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	got, err := reader.Find(ctx, b.File)
	require.NoError(t, err)
	require.Equal(t, b.ID, got.ID)
	_, err = reader.Verify(ctx, got)
	require.NoError(t, err)
	copyDB := f.env.Prefix + "shared_copy"
	_, err = reader.Restore(ctx, RestoreRequest{Backup: got, Target: tn, NewDatabase: copyDB}, nil)
	require.NoError(t, err)
	f.requireSameData(t, tn.Database, copyDB)
}

// TestS3DamagedObjectRefused: an object altered after it was completed
// fails verify, and a restore fails before the swap, leaving the
// tenant's database as it was.
func TestS3DamagedObjectRefused(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	bs := f.s3Service(t, s3.storage(s3.srv.Listener.Addr().String()), nil)
	st := s3Of(t, bs)
	tn := f.tenant(t, "s3 damaged", bigTable...)
	ctx := context.Background()
	b, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
	require.NoError(t, err)
	before := f.checksums(t, tn.Database)
	good := stored(t, st, b.File)
	// Same size, one letter changed inside a string value: the SQL still
	// parses, only the checksum tells.
	bad := bytes.Clone(good)
	at := len(good)/2 + bytes.Index(good[len(good)/2:], []byte(",'")) + 2
	bad[at] ^= 0x01 // 'A' <-> '@', 'B' <-> 'C', ...
	require.NoError(t, st.Replace(ctx, b.File, bad))
	_, err = bs.Verify(ctx, b)
	require.ErrorContains(t, err, "checksum")
	_, err = bs.Restore(ctx, RestoreRequest{Backup: b, Target: tn}, nil)
	require.ErrorContains(t, err, "checksum")
	require.Equal(t, before, f.checksums(t, tn.Database))
	f.requireNoScratch(t)
	// Truncated: the ranged read sees the size before anything is created,
	// and nothing but that range of the object was downloaded.
	require.NoError(t, st.Replace(ctx, b.File, good[:len(good)/2]))
	s3.objectGets()
	_, err = bs.Restore(ctx, RestoreRequest{Backup: b, Target: tn}, nil)
	require.ErrorContains(t, err, "restore refused")
	require.ErrorContains(t, err, "size is")
	require.Equal(t, []string{fmt.Sprintf("tenancy/%s range=bytes=%d-%d", b.File, max(len(good)/2-tailRead, 0), len(good)/2-1)}, s3.objectGets())
	f.requireNoScratch(t)
}

// TestS3QuickCheckIsARangedRead: a restore from S3 reads the object's last
// 64 KiB (size and footer) before it streams the object once to load it.
func TestS3QuickCheckIsARangedRead(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	bs := f.s3Service(t, s3.storage(s3.srv.Listener.Addr().String()), nil)
	tn := f.tenant(t, "s3 ranged", bigTable...)
	ctx := context.Background()
	b, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressZstd}, nil)
	require.NoError(t, err)
	require.Greater(t, b.Size, int64(tailRead), "the range is a part of the object")
	s3.objectGets()
	_, err = bs.Restore(ctx, RestoreRequest{Backup: b, Target: tn, NewDatabase: f.env.Prefix + "ranged_copy"}, nil)
	require.NoError(t, err)
	object := "tenancy/" + b.File
	require.Equal(t, []string{fmt.Sprintf("%s range=bytes=%d-%d", object, b.Size-tailRead, b.Size-1), object}, s3.objectGets())
	f.requireSameData(t, tn.Database, f.env.Prefix+"ranged_copy")
}

// TestS3CredentialsStayOut: the access key and secret reach neither the
// catalog nor metadata.json nor the stored names; a storage URL that
// carries credentials (user:password@, or a secret as a parameter) is
// refused without repeating them.
func TestS3CredentialsStayOut(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	bs := f.s3Service(t, s3.storage(s3.srv.Listener.Addr().String()), nil)
	tn := f.tenant(t, "s3 creds", typeGroups[0].stmts...)
	ctx := context.Background()
	b, err := bs.Create(ctx, CreateRequest{Tenant: tn}, nil)
	require.NoError(t, err)
	rows, err := f.ts.Central().QueryContext(ctx, "SELECT * FROM tenant_backups WHERE id = ?", b.ID)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.True(t, rows.Next())
	values := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	require.NoError(t, rows.Scan(ptrs...))
	var everything []byte
	for _, v := range values {
		everything = append(append(everything, v...), '|')
	}
	everything = append(everything, stored(t, s3Of(t, bs), tenantFolder(tn.ID)+"/metadata.json")...)
	for _, name := range objects(t, s3Of(t, bs)) {
		everything = append(everything, name...)
	}
	require.Contains(t, string(everything), b.SHA256, "the catalog row and metadata were read")
	for _, secret := range []string{os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")} {
		require.NotContains(t, string(everything), secret)
	}

	for _, storage := range []string{"s3://AKIAEXAMPLE:sekrit-value@bucket/p", "s3://bucket/p?secret_key=sekrit-value"} {
		_, err := openStore(config.Backup{Storage: storage})
		require.Error(t, err, storage)
		require.NotContains(t, err.Error(), "sekrit-value", storage)
	}
	_, err = openStore(config.Backup{Storage: "s3://AKIAEXAMPLE:sekrit-value@bucket/p"})
	require.ErrorContains(t, err, "AWS_ACCESS_KEY_ID")
}

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want s3Options
		err  string
	}{
		{"s3://b", s3Options{Bucket: "b", Endpoint: "s3.amazonaws.com", Secure: true}, ""},
		{"s3://b/p/q/?endpoint=http://127.0.0.1:9000&region=auto&profile=r2", s3Options{Bucket: "b", Prefix: "p/q", Endpoint: "127.0.0.1:9000", Region: "auto", Profile: "r2"}, ""},
		{"s3://b/p?endpoint=https://acct.r2.cloudflarestorage.com", s3Options{Bucket: "b", Prefix: "p", Endpoint: "acct.r2.cloudflarestorage.com", Secure: true}, ""},
		{"s3:///p", s3Options{}, "names no bucket"},
		{"s3://b?secret=x", s3Options{}, "unknown parameter"},
		{"s3://b?endpoint=http://h/path", s3Options{}, "is not host[:port]"},
	} {
		u, err := url.Parse(tc.in)
		require.NoError(t, err)
		got, err := parseS3URL(u)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestPartSizeAdaptsToTheEstimate(t *testing.T) {
	require.Equal(t, int64(minPartSize), partSizeFor(0))
	require.Equal(t, int64(minPartSize), partSizeFor(10<<30))
	require.Equal(t, int64(31<<20), partSizeFor(100<<30)) // 150 GiB / 5,000 parts
	require.Equal(t, int64(maxPartSize), partSizeFor(100<<40))
	// Past the planned parts they double every 1,000: a wrong estimate
	// still fits in S3's 10,000 parts.
	require.Equal(t, int64(minPartSize), partSize(minPartSize, plannedParts))
	require.Equal(t, int64(2*minPartSize), partSize(minPartSize, plannedParts+1))
	require.Equal(t, int64(32*minPartSize), partSize(minPartSize, maxParts))
}

func TestLocalFilesArePrivate(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "modes", "CREATE TABLE a (id INT PRIMARY KEY)", "INSERT INTO a VALUES (1)")
	b := f.backup(t, tn, KindFull, CompressZstd)
	for path, want := range map[string]os.FileMode{
		f.bs.Path(b): 0o600,
		filepath.Join(filepath.Dir(f.bs.Path(b)), "metadata.json"): 0o600,
		filepath.Dir(f.bs.Path(b)):                                 0o700 | os.ModeDir,
	} {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, want, fi.Mode(), path)
	}
}
