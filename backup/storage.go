package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tenancy-dev/tenancy/config"
)

// store is where backup files and each tenant's metadata.json live: a
// local folder or an S3-compatible bucket. Names are slash-separated and
// relative to the store: "<tenant folder>/<file>". A name written with
// Create appears only once its writer commits, never half-written.
type store interface {
	// Create starts writing name; sizeHint (0: unknown) is the expected
	// size, which the S3 store uses to size its parts.
	Create(ctx context.Context, name string, sizeHint int64) (storeWriter, error)
	// Open streams name's bytes.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Tail returns the last n bytes of name (fewer if it is shorter) and
	// its size: one ranged read.
	Tail(ctx context.Context, name string, n int64) ([]byte, int64, error)
	// Exists reports whether name is there.
	Exists(ctx context.Context, name string) (bool, error)
	// Remove deletes name; a missing one is not an error.
	Remove(ctx context.Context, name string) error
	// ReadSmall reads a small object whole (an error wrapping
	// errNotStored when it is absent); Replace replaces it atomically.
	ReadSmall(ctx context.Context, name string) ([]byte, error)
	Replace(ctx context.Context, name string, data []byte) error
	// CleanLeftovers removes what interrupted writes left in a tenant's
	// folder (temp files, incomplete multipart uploads) and names them.
	// The caller holds the tenant's lock.
	CleanLeftovers(ctx context.Context, folder string) ([]string, error)
	// Leftovers lists what interrupted writes left anywhere in the store.
	Leftovers(ctx context.Context) ([]string, error)
	// Location is name as a user reads it: a path or an s3:// URL.
	Location(name string) string
}

// storeWriter is a write in progress: Commit makes it appear under its
// name, Abort (and any failed Commit) leaves nothing behind.
type storeWriter interface {
	io.Writer
	Commit() error
	Abort()
}

// errNotStored is wrapped by ReadSmall's error for a missing object.
var errNotStored = errors.New("not stored")

// openStore opens [backup] storage, or the folder [backup] dir when it
// is empty.
func openStore(cfg config.Backup) (store, error) {
	raw := cfg.Storage
	if raw == "" {
		return &fileStore{root: cfg.Dir}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("[backup] storage %q is not a URL: %w", raw, err)
	}
	switch u.Scheme {
	case "file":
		root := u.Path
		if u.Host != "" && u.Host != "localhost" {
			root = filepath.Join(u.Host, u.Path) // file://relative/path
		}
		if root == "" {
			return nil, fmt.Errorf("[backup] storage %q names no folder: use file:///absolute/path", raw)
		}
		return &fileStore{root: root}, nil
	case "s3":
		// Credentials never go into the config (nor, from there, into
		// messages): the URL is repeated without its query's values.
		shown := "s3://" + u.Host + u.EscapedPath()
		if u.User != nil {
			return nil, fmt.Errorf("[backup] storage s3://…@%s: credentials do not go in the URL; remove user:password@ and set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile=NAME", shown[len("s3://"):])
		}
		opts, err := parseS3URL(u)
		if err != nil {
			return nil, fmt.Errorf("[backup] storage %s: %w", shown, err)
		}
		return newS3Store(opts)
	}
	return nil, fmt.Errorf("[backup] storage %q: use file:///path or s3://bucket/prefix?endpoint=host&region=name", raw)
}

// objectName joins store name parts with "/".
func objectName(parts ...string) string {
	return strings.Join(parts, "/")
}

// UnfinishedWrites lists what interrupted backups left in the store: temp
// files in a folder, incomplete multipart uploads in S3 (invisible, but
// stored and billed). The next backup of each tenant removes its own; a
// backup running now shows here too.
func (s *Service) UnfinishedWrites(ctx context.Context) ([]string, error) {
	return s.store.Leftovers(ctx)
}
