package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// fileStore keeps backups in a local folder: today's layout, written as
// restic's local backend does (atomic.go). Folders are 0700, files 0600.
// A name that is an absolute path (a file given on the command line)
// is read where it is.
type fileStore struct {
	root string
	// wrap and sync are the tests' seams for write and fsync failures.
	wrap func(io.Writer) io.Writer
	sync func(*os.File) error
}

func (s *fileStore) path(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(s.root, filepath.FromSlash(name))
}

func (s *fileStore) Location(name string) string { return s.path(name) }

func (s *fileStore) Create(_ context.Context, name string, _ int64) (storeWriter, error) {
	a, err := createAtomic(s.path(name), s.wrap)
	if err != nil {
		return nil, err
	}
	if s.sync != nil {
		a.sync = s.sync
	}
	return a, nil
}

func (s *fileStore) Open(_ context.Context, name string) (io.ReadCloser, error) {
	f, err := os.Open(s.path(name))
	if err != nil {
		return nil, fmt.Errorf("open %w", err)
	}
	return f, nil
}

func (s *fileStore) Tail(_ context.Context, name string, n int64) ([]byte, int64, error) {
	f, err := os.Open(s.path(name))
	if err != nil {
		return nil, 0, fmt.Errorf("open %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	off := max(fi.Size()-n, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return buf, fi.Size(), nil
}

func (s *fileStore) Exists(_ context.Context, name string) (bool, error) {
	_, err := os.Lstat(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (s *fileStore) Remove(_ context.Context, name string) error {
	if err := os.Remove(s.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (s *fileStore) ReadSmall(_ context.Context, name string) ([]byte, error) {
	data, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", s.path(name), errNotStored)
	}
	return data, err
}

func (s *fileStore) Replace(_ context.Context, name string, data []byte) error {
	return writeFileAtomic(s.path(name), data)
}

func (s *fileStore) CleanLeftovers(_ context.Context, folder string) ([]string, error) {
	return removeLeftovers(s.path(folder))
}

func (s *fileStore) Leftovers(context.Context) ([]string, error) {
	var out []string
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.Contains(d.Name(), tempMarker) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
