package backup

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compressions.
const (
	CompressZstd = "zstd"
	CompressGzip = "gzip"
	CompressNone = "none"
)

// extension returns the file suffix of a compression.
func extension(compression string) string {
	switch compression {
	case CompressZstd:
		return ".zst"
	case CompressGzip:
		return ".gz"
	}
	return ""
}

// compressionOf tells a file's compression from its name.
func compressionOf(path string) string {
	path = strings.TrimSuffix(path, ageExt)
	switch {
	case strings.HasSuffix(path, ".zst"):
		return CompressZstd
	case strings.HasSuffix(path, ".gz"):
		return CompressGzip
	}
	return CompressNone
}

func checkCompression(c string) error {
	switch c {
	case CompressZstd, CompressGzip, CompressNone:
		return nil
	}
	return fmt.Errorf("%q is not a compression: use zstd, gzip or none", c)
}

// framer compresses independent parts into complete frames (zstd) or
// members (gzip); concatenated in order they are one valid stream. One
// framer belongs to one worker.
type framer interface {
	frame(dst, src []byte) ([]byte, error)
	// release gives what the framer holds back for the next dump.
	release()
}

// zstdEncoders keeps a few zstd encoders between dumps: a new one
// allocates and clears its history window on first use (~8 MiB), which
// was most of the CPU of backing up a small tenant (a fleet run makes
// thousands). A channel, not a sync.Pool: the collector empties a pool
// at every cycle, and these dumps allocate enough to run one often. At
// most 8 are kept (a dump in flight uses two: its head's and a worker's).
var zstdEncoders = make(chan *zstd.Encoder, 8)

func getZstd() *zstd.Encoder {
	select {
	case enc := <-zstdEncoders:
		return enc
	default:
		// SpeedFastest: the default level costs about three times the CPU
		// for 1 % smaller dumps; LowerEncoderMem saved little memory at
		// about 5 % more CPU. The options are valid: NewWriter cannot fail.
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
		return enc
	}
}

func newFramer(compression string) (framer, error) {
	switch compression {
	case CompressZstd:
		return zstdFramer{getZstd()}, nil
	case CompressGzip:
		return &gzipFramer{}, nil
	case CompressNone:
		return plainFramer{}, nil
	}
	return nil, checkCompression(compression)
}

type zstdFramer struct{ enc *zstd.Encoder }

func (z zstdFramer) frame(dst, src []byte) ([]byte, error) { return z.enc.EncodeAll(src, dst), nil }
func (z zstdFramer) release() {
	select {
	case zstdEncoders <- z.enc:
	default:
	}
}

type gzipFramer struct {
	buf bytes.Buffer
	w   *gzip.Writer
}

func (g *gzipFramer) frame(dst, src []byte) ([]byte, error) {
	g.buf.Reset()
	if g.w == nil {
		w, err := gzip.NewWriterLevel(&g.buf, gzip.BestSpeed)
		if err != nil {
			return nil, err
		}
		g.w = w
	} else {
		g.w.Reset(&g.buf)
	}
	if _, err := g.w.Write(src); err != nil {
		return nil, err
	}
	if err := g.w.Close(); err != nil {
		return nil, err
	}
	return append(dst, g.buf.Bytes()...), nil
}

func (g *gzipFramer) release() {}

type plainFramer struct{}

func (plainFramer) frame(dst, src []byte) ([]byte, error) { return append(dst, src...), nil }
func (plainFramer) release()                              {}

// newCompressor wraps w in a streaming compressor (the mysqldump engine's
// output goes through it). Close flushes it but does not close w.
func newCompressor(w io.Writer, compression string) (io.WriteCloser, error) {
	switch compression {
	case CompressZstd:
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	case CompressGzip:
		return gzip.NewWriterLevel(w, gzip.BestSpeed)
	case CompressNone:
		return nopCloser{w}, nil
	}
	return nil, checkCompression(compression)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// newDecompressor reads a whole stream of concatenated frames/members.
func newDecompressor(r io.Reader, compression string) (io.ReadCloser, error) {
	switch compression {
	case CompressZstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case CompressGzip:
		return gzip.NewReader(r)
	}
	return io.NopCloser(r), nil
}
