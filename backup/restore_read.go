package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"filippo.io/age"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// What a restore reads before it touches a database, and how it reads
// the backup while loading.
//
// A catalogued backup in a folder is checked against its recorded size
// and SHA-256 first (one fast local pass). In S3 that pass would download
// the backup twice, so there a ranged read of its end checks the size
// and the footer (the last zstd frame or gzip member is the footer alone),
// and the SHA-256 is computed while the load streams it: a mismatch fails
// the restore before the swap. A file the catalog does not know is
// decompressed and checked in full first. An encrypted backup's age
// header is opened with the identity before anything else, so a wrong or
// missing identity fails before any database is created.

// tailRead is how much of a backup's end the quick check reads.
const tailRead = 64 << 10

// checkBeforeLoad verifies b as above. It reports whether the load must
// check the checksum while it reads, and the SQL size if known.
func (s *Service) checkBeforeLoad(ctx context.Context, b Backup, ids []age.Identity) (bool, int64, error) {
	st := s.storeFor(b)
	if encrypted(b.File) {
		if err := checkIdentity(ctx, st, b, ids); err != nil {
			return false, 0, err
		}
	}
	if _, remote := st.(*s3Store); remote && b.SHA256 != "" {
		if b.Status != StatusComplete {
			return false, 0, fmt.Errorf("backup %d is %s, not complete: it never finished, so there is no file to verify or restore", b.ID, b.Status)
		}
		return true, b.RawBytes, quickCheck(ctx, st, b)
	}
	v, err := verifyStored(ctx, st, b, b.SHA256 == "", ids)
	return false, v.RawBytes, err
}

// checkIdentity opens b's age header with ids.
func checkIdentity(ctx context.Context, st store, b Backup, ids []age.Identity) error {
	if len(ids) == 0 {
		_, err := decrypt(nil, b, st.Location(b.File), nil)
		return err
	}
	r, err := st.Open(ctx, b.File)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = decrypt(r, b, st.Location(b.File), ids)
	return err
}

// quickCheck compares b's stored size with the catalog's and, when not
// encrypted, reads its footer from a ranged read of the end.
func quickCheck(ctx context.Context, st store, b Backup) error {
	where := st.Location(b.File)
	tail, size, err := st.Tail(ctx, b.File, tailRead)
	if err != nil {
		return err
	}
	if size != b.Size {
		return fmt.Errorf("verify %s: size is %d bytes but the catalog recorded %d; the file is damaged or incomplete, do not restore it", where, size, b.Size)
	}
	if encrypted(b.File) || b.Engine == "mysqldump" {
		return nil // no footer to read apart; the load checks it
	}
	last, ok := tailFooter(tail, compressionOf(b.File))
	if !ok {
		return nil // a last frame larger than the read: the load checks it
	}
	// The catalog's raw size is what the footer counts: the SQL before it.
	if _, _, n, ok := parseFooter(last); !ok || n != b.RawBytes {
		return fmt.Errorf("verify %s: its end is not the completion footer of %d bytes of SQL (%.60q); the file is damaged or incomplete, do not restore it", where, b.RawBytes, last)
	}
	return nil
}

// tailFooter decodes the last complete frame/member found in tail and
// returns its last line.
func tailFooter(tail []byte, compression string) (string, bool) {
	var magic []byte
	switch compression {
	case CompressNone:
		return lastLine(tail), true
	case CompressZstd:
		magic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	case CompressGzip:
		magic = []byte{0x1f, 0x8b, 0x08}
	}
	for end := len(tail); end > 0; {
		i := bytes.LastIndex(tail[:end], magic)
		if i < 0 {
			return "", false
		}
		if plain, err := decodeFrame(tail[i:], compression); err == nil {
			return lastLine(plain), true
		}
		end = i
	}
	return "", false
}

func decodeFrame(b []byte, compression string) ([]byte, error) {
	if compression == CompressZstd {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.DecodeAll(b, nil)
	}
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// storedReader reads a backup's stored bytes, counting and hashing them.
type storedReader struct {
	r    io.Reader
	hash hash.Hash
	n    int64
}

func newStoredReader(r io.Reader) *storedReader {
	return &storedReader{r: r, hash: sha256.New()}
}

func (s *storedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.hash.Write(p[:n])
	s.n += int64(n)
	return n, err
}

// check reads what the load left unread and compares the whole with b.
func (s *storedReader) check(where string, b Backup) error {
	if _, err := io.Copy(io.Discard, s); err != nil {
		return fmt.Errorf("read %s: %w", where, err)
	}
	sum := hex.EncodeToString(s.hash.Sum(nil))
	if sum != b.SHA256 || s.n != b.Size {
		return fmt.Errorf("verify %s: read %d bytes with checksum %s but the catalog recorded %d bytes, %s; the file is damaged, nothing was changed", where, s.n, sum, b.Size, b.SHA256)
	}
	return nil
}
