package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"
)

// VerifyResult is what re-reading a backup file found.
type VerifyResult struct {
	Backup Backup `json:"backup"`
	// Native is false for a file made by mariadb-dump/mysqldump.
	Native   bool   `json:"native"`
	Size     int64  `json:"size"`
	RawBytes int64  `json:"raw_bytes"`
	SHA256   string `json:"sha256"`
	Footer   string `json:"footer"`
	// Checked is CheckedFull (decompressed, footer read) or
	// CheckedStored (an encrypted backup without its identity: the
	// stored size and checksum only).
	Checked string `json:"checked"`
}

// What Verify checked.
const (
	CheckedFull   = "full"
	CheckedStored = "stored size and checksum"
)

// tailKeep is how much of the decompressed end is kept to find the footer.
const tailKeep = 4096

// Verify re-reads a backup: its checksum and size against the catalog,
// the whole decompressed stream, and the completion footer. An encrypted
// backup is decrypted for that with the identity given; without one,
// only its stored size and checksum are checked (Checked says which). A
// backup that passes is marked verified in the catalog.
func (s *Service) Verify(ctx context.Context, b Backup) (VerifyResult, error) {
	ids, err := s.identitiesFor(b)
	if err != nil {
		return VerifyResult{Backup: b}, err
	}
	full := !encrypted(b.File) || len(ids) > 0
	if !full && b.SHA256 == "" {
		_, err := decrypt(nil, b, s.Path(b), nil)
		return VerifyResult{Backup: b}, fmt.Errorf("%w (the catalog has no checksum of this file to check instead)", err)
	}
	res, err := verifyStored(ctx, s.storeFor(b), b, full, ids)
	if err != nil {
		return res, err
	}
	if b.ID != 0 && !s.tenants.ReadOnly() {
		now := time.Now().UTC()
		if err := s.cat.markVerified(ctx, b.ID, now); err != nil {
			return res, err
		}
		res.Backup.VerifiedAt = &now
	}
	return res, nil
}

// verifyFile checks the local file at path against b (see verifyStored).
func verifyFile(ctx context.Context, path string, b Backup, decompress bool) (VerifyResult, error) {
	b.File = path
	return verifyStored(ctx, &fileStore{}, b, decompress, nil)
}

// verifyStored checks b.File in st against b. With decompress unset it
// checks only the size and SHA-256 the catalog recorded (b must have them):
// a match proves the file is the one that was completed, footer included,
// and costs one pass over the stored bytes instead of two streams. An
// encrypted file is decrypted with ids to decompress it.
func verifyStored(ctx context.Context, st store, b Backup, decompress bool, ids []age.Identity) (VerifyResult, error) {
	// A catalog row that never completed has no file to check.
	if b.ID != 0 && b.Status != StatusComplete {
		return VerifyResult{Backup: b}, fmt.Errorf("backup %d is %s, not complete: it never finished, so there is no file to verify or restore", b.ID, b.Status)
	}
	where := st.Location(b.File)
	res := VerifyResult{Backup: b, Checked: CheckedStored}
	damaged := func(format string, args ...any) error {
		return fmt.Errorf("verify %s: "+format+"; the file is damaged or incomplete, do not restore it", append([]any{where}, args...)...)
	}
	fail := func(format string, args ...any) (VerifyResult, error) { return res, damaged(format, args...) }
	// unlike compares what was read with what the catalog recorded.
	unlike := func() error {
		switch {
		case b.SHA256 != "" && b.SHA256 != res.SHA256:
			return damaged("checksum is %s but the catalog recorded %s", res.SHA256, b.SHA256)
		case b.Size != 0 && b.Size != res.Size:
			return damaged("size is %d bytes but the catalog recorded %d", res.Size, b.Size)
		}
		return nil
	}
	f, err := st.Open(ctx, b.File)
	if err != nil {
		return res, fmt.Errorf("verify: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	counted := &countingReader{r: io.TeeReader(f, h), ctx: ctx}
	if !decompress {
		if _, err := io.Copy(io.Discard, counted); err != nil {
			return fail("read: %v", err)
		}
		res.Size, res.RawBytes, res.SHA256 = counted.n, b.RawBytes, hex.EncodeToString(h.Sum(nil))
		return res, unlike()
	}
	res.Checked = CheckedFull
	var plain io.Reader = counted
	if encrypted(b.File) {
		if plain, err = decrypt(counted, b, where, ids); err != nil {
			if errors.Is(err, ErrNoIdentity) || errors.Is(err, ErrWrongIdentity) {
				return res, err
			}
			return fail("%v", err)
		}
	}
	comp := compressionOf(b.File)
	dec, err := newDecompressor(plain, comp)
	if err != nil {
		return fail("not a %s stream: %v", comp, err)
	}
	defer dec.Close()
	tail := &tailWriter{}
	raw, err := io.Copy(tail, dec)
	if err != nil {
		return fail("decompress: %v", err)
	}
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return fail("read: %v", err)
	}
	res.Size, res.RawBytes, res.SHA256 = counted.n, raw, hex.EncodeToString(h.Sum(nil))
	if err := unlike(); err != nil {
		return res, err
	}
	last := lastLine(tail.buf)
	res.Footer = last
	if _, _, n, ok := parseFooter(last); ok {
		res.Native = true
		if want := raw - int64(len(last)) - 1; n != want {
			return fail("the footer counts %d bytes before it but the file holds %d", n, want)
		}
		return res, nil
	}
	if bytes.HasPrefix([]byte(last), []byte(mysqldumpFooter)) {
		return res, nil
	}
	return fail("no completion footer at the end (last line %q)", last)
}

func lastLine(b []byte) string {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return string(b)
}

// tailWriter keeps the last tailKeep bytes written to it.
type tailWriter struct{ buf []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	if len(p) >= tailKeep {
		t.buf = append(t.buf[:0], p[len(p)-tailKeep:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailKeep {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailKeep:]...)
	}
	return len(p), nil
}

// countingReader counts bytes and stops when ctx is cancelled.
type countingReader struct {
	r   io.Reader
	n   int64
	ctx context.Context
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
