package backup

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
)

// A backup goes to S3 as a streamed multipart upload: the writer fills
// one part in memory while at most partsInFlight earlier parts upload,
// so memory stays at (partsInFlight+1) × the part size whatever the
// backup's size, and nothing is copied to local disk. The object appears
// only when CompleteMultipartUpload succeeds; a failed write aborts the
// upload, and a killed one is aborted by the tenant's next backup
// (CleanLeftovers). A backup smaller than one part goes as a single PUT.
const (
	// minPartSize is S3's smallest part (all but the last) rounded up.
	minPartSize = 8 << 20
	maxPartSize = 512 << 20
	// plannedParts is how many parts 1.5 × the size estimate should fill;
	// past it parts double every 1,000, so a wrong estimate still fits in
	// S3's 10,000 (with 8 MiB parts: 523 GiB).
	plannedParts  = 5000
	maxParts      = 10000
	partsInFlight = 2
)

// partSizeFor picks the part size for a backup expected to be about hint
// bytes (0: unknown), in whole MiB.
func partSizeFor(hint int64) int64 {
	size := (hint*3/2/plannedParts + 1<<20 - 1) &^ (1<<20 - 1)
	return min(max(size, minPartSize), maxPartSize)
}

// partSize is the size of part n (from 1) with base parts.
func partSize(base int64, n int) int64 {
	if n <= plannedParts {
		return base
	}
	return min(base<<((n-plannedParts-1)/1000+1), 5<<30)
}

type upload struct {
	ctx    context.Context
	cancel context.CancelFunc
	s      *s3Store
	name   string
	base   int64
	// keepOnFailure, when set (by tests), skips the abort: what a killed
	// process leaves.
	keepOnFailure bool

	id   string // upload id, once the first part is full
	buf  []byte
	free chan []byte
	g    *errgroup.Group
	gctx context.Context
	n    int // parts handed to uploaders

	mu    sync.Mutex
	parts []minio.CompletePart
}

func newUpload(ctx context.Context, s *s3Store, name string, hint int64) (*upload, error) {
	base := partSizeFor(hint)
	if s.partSize > 0 {
		base = s.partSize
	}
	u := &upload{ctx: ctx, s: s, name: name, base: base, keepOnFailure: s.keepOnFailure, free: make(chan []byte, partsInFlight+1)}
	var gctx context.Context
	gctx, u.cancel = context.WithCancel(ctx)
	u.g, u.gctx = errgroup.WithContext(gctx)
	u.g.SetLimit(partsInFlight)
	for range partsInFlight + 1 {
		u.free <- nil // buffers are made when first needed
	}
	u.buf, _ = u.take(base)
	return u, nil
}

// take waits for a free buffer and sizes it for size bytes. g's limit
// leaves one free whenever Go returns.
func (u *upload) take(size int64) ([]byte, error) {
	select {
	case b := <-u.free:
		if int64(cap(b)) < size {
			b = make([]byte, 0, size)
		}
		return b[:0], nil
	case <-u.gctx.Done():
		return nil, u.failure(u.gctx.Err())
	}
}

func (u *upload) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := u.gctx.Err(); err != nil {
			return written, u.failure(err)
		}
		room := int(partSize(u.base, u.n+1)) - len(u.buf)
		k := min(room, len(p))
		u.buf = append(u.buf, p[:k]...)
		p, written = p[k:], written+k
		if k == room {
			if err := u.send(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// failure is the first uploader's error, else err.
func (u *upload) failure(err error) error {
	if cause := context.Cause(u.gctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// send hands the full buffer to an uploader and takes a free one.
func (u *upload) send() error {
	if u.id == "" {
		id, err := u.s.core.NewMultipartUpload(u.ctx, u.s.opts.Bucket, u.s.key(u.name), minio.PutObjectOptions{ContentType: "application/octet-stream"})
		if err != nil {
			return u.s.s3Error("begin the upload of", u.name, err)
		}
		u.id = id
	}
	if u.n == maxParts {
		return fmt.Errorf("upload %s: more than %d parts of up to %d MiB: the backup is larger than S3 accepts", u.s.Location(u.name), maxParts, partSize(u.base, maxParts)>>20)
	}
	u.n++
	n, part := u.n, u.buf
	u.g.Go(func() error {
		defer func() { u.free <- part }()
		return u.put(n, part)
	})
	var err error
	u.buf, err = u.take(partSize(u.base, u.n+1))
	return err
}

// put uploads one part, with a checksum the server verifies (it refuses
// a part that arrived different): over plain HTTP the part's SHA-256 is
// signed (the request's own signature covers it, so no MD5 too); over
// TLS the payload goes unsigned and carries its MD5. No streaming
// (aws-chunked) signature. The client retries a part on 5xx answers and
// cut connections.
func (u *upload) put(n int, part []byte) error {
	opts := minio.PutObjectPartOptions{DisableContentSha256: true}
	if u.s.opts.Secure {
		m := md5.Sum(part)
		opts.Md5Base64 = base64.StdEncoding.EncodeToString(m[:])
	} else {
		sum := sha256.Sum256(part)
		opts.Sha256Hex = hex.EncodeToString(sum[:])
	}
	p, err := u.s.core.PutObjectPart(u.gctx, u.s.opts.Bucket, u.s.key(u.name), u.id, n, bytes.NewReader(part), int64(len(part)), opts)
	if err != nil {
		return u.s.s3Error(fmt.Sprintf("upload part %d of", n), u.name, err)
	}
	u.mu.Lock()
	u.parts = append(u.parts, minio.CompletePart{PartNumber: n, ETag: p.ETag})
	u.mu.Unlock()
	return nil
}

// Commit uploads what is left and completes the upload: only then does
// the object appear.
func (u *upload) Commit() (err error) {
	defer func() {
		if err != nil {
			u.Abort()
		}
		u.cancel()
	}()
	if err := u.ctx.Err(); err != nil {
		return err
	}
	if u.id == "" {
		// Smaller than one part: one PUT, visible when it succeeds.
		m := md5.Sum(u.buf)
		_, err := u.s.core.PutObject(u.ctx, u.s.opts.Bucket, u.s.key(u.name), bytes.NewReader(u.buf), int64(len(u.buf)),
			base64.StdEncoding.EncodeToString(m[:]), "", minio.PutObjectOptions{ContentType: "application/octet-stream"})
		if err != nil {
			return u.s.s3Error("upload", u.name, err)
		}
		return nil
	}
	if len(u.buf) > 0 {
		if err := u.send(); err != nil {
			return err
		}
	}
	if err := u.g.Wait(); err != nil {
		return err
	}
	slices.SortFunc(u.parts, func(a, b minio.CompletePart) int { return a.PartNumber - b.PartNumber })
	if _, err := u.s.core.CompleteMultipartUpload(u.ctx, u.s.opts.Bucket, u.s.key(u.name), u.id, u.parts, minio.PutObjectOptions{}); err != nil {
		return u.s.s3Error("complete the upload of", u.name, err)
	}
	u.id = ""
	return nil
}

// Abort stops the uploaders and aborts the upload, even when the
// backup's context was cancelled. If the abort fails too, the tenant's
// next backup aborts it.
func (u *upload) Abort() {
	u.cancel()
	_ = u.g.Wait()
	if u.id == "" || u.keepOnFailure {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(u.ctx), 30*time.Second)
	defer cancel()
	if err := u.s.core.AbortMultipartUpload(ctx, u.s.opts.Bucket, u.s.key(u.name), u.id); err == nil {
		u.id = ""
	}
}
