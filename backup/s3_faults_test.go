package backup

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestS3ServerErrorsAreRetried: 503 and 500 answers to part uploads and
// downloads, on a slow server, are retried by the client; the backup
// completes and restores exactly.
func TestS3ServerErrorsAreRetried(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	bs := f.s3Service(t, s3.storage(s3.srv.Listener.Addr().String()), nil)
	tn := f.tenant(t, "s3 retried", bigTable...)
	ctx := context.Background()
	s3.delay.Store(int64(20 * time.Millisecond))
	for _, status := range []int32{503, 500} {
		s3.failStatus.Store(status)
		s3.failParts.Store(2)
		s3.failGets.Store(1)
		s3.failed.Store(0)
		b, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
		require.NoError(t, err, "status %d", status)
		v, err := bs.Verify(ctx, b)
		require.NoError(t, err)
		require.Equal(t, b.SHA256, v.SHA256)
		require.EqualValues(t, 3, s3.failed.Load(), "every injected %d was met and retried", status)
	}
	require.Empty(t, incompleteUploads(t, s3Of(t, bs)))
}

// TestS3ConnectionCutMidUpload: a proxy closes connections in the middle
// of a part. Cut once, the client retries the part and the backup
// completes; cut every time, the backup fails, its upload is aborted and
// nothing is visible; the next backup succeeds.
func TestS3ConnectionCutMidUpload(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	proxy := newCutProxy(t, s3.srv.Listener.Addr().String(), 1<<20)
	bs := f.s3Service(t, s3.storage(proxy.addr()), nil)
	st := s3Of(t, bs)
	tn := f.tenant(t, "s3 cut", bigTable...)
	ctx := context.Background()

	// Cut once: the first connection that carries more than 1 MiB.
	proxy.cutting.Store(true)
	cutOnce := make(chan struct{})
	go func() {
		defer close(cutOnce)
		for proxy.cuts.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		proxy.cutting.Store(false)
	}()
	b, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
	<-cutOnce
	require.NoError(t, err)
	require.GreaterOrEqual(t, proxy.cuts.Load(), int32(1))
	_, err = bs.Verify(ctx, b)
	require.NoError(t, err)

	// Cut always: every part upload dies; small requests (the abort) pass.
	proxy.cutting.Store(true)
	_, err = bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
	require.Error(t, err)
	require.ErrorContains(t, err, "upload part")
	require.Equal(t, []string{b.File, tenantFolder(tn.ID) + "/metadata.json"}, objects(t, st), "the failed backup is not visible")
	require.Empty(t, incompleteUploads(t, st), "the failed upload was aborted")
	list, err := bs.List(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, StatusFailed, list[len(list)-1].Status)

	proxy.cutting.Store(false)
	b3, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
	require.NoError(t, err)
	_, err = bs.Verify(ctx, b3)
	require.NoError(t, err)
}

// TestS3KilledBackupIsAbortedByTheNext: a backup killed mid-upload (its
// process gone before it could abort) leaves no visible object, only an
// incomplete upload, which the tenant's next backup aborts.
func TestS3KilledBackupIsAbortedByTheNext(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	bs := f.s3Service(t, s3.storage(s3.srv.Listener.Addr().String()), nil)
	st := s3Of(t, bs)
	st.keepOnFailure = true
	bs.reportAll = true
	tn := f.tenant(t, "s3 killed", bigTable...)
	ctx, kill := context.WithCancel(context.Background())
	_, err := bs.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, func(p Progress) {
		if p.Written > 11<<20 { // two parts handed to the uploaders
			kill()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, objects(t, st), "nothing visible")
	require.Len(t, incompleteUploads(t, st), 1)
	unfinished, err := bs.UnfinishedWrites(context.Background())
	require.NoError(t, err)
	require.Len(t, unfinished, 1)
	require.Contains(t, unfinished[0], tenantFolder(tn.ID))
	// The process died: its row stays running until the next backup.
	_, err = f.ts.Central().Exec("UPDATE `tenant_backups` SET `status` = ? WHERE `tenant_id` = ?", StatusRunning, tn.ID)
	require.NoError(t, err)

	st.keepOnFailure = false
	b, err := bs.Create(context.Background(), CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
	require.NoError(t, err)
	require.Empty(t, incompleteUploads(t, st), "the next backup aborted the killed one's upload")
	require.Equal(t, []string{b.File, tenantFolder(tn.ID) + "/metadata.json"}, objects(t, st))
	list, err := bs.List(context.Background(), tn.ID)
	require.NoError(t, err)
	require.Equal(t, StatusFailed, list[0].Status)
	require.Contains(t, list[0].Error, "interrupted")
}
