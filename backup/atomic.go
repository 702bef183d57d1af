package backup

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// tempMarker is in the name of every file still being written; a name
// holding it never looks like a complete backup, and leftovers carrying it
// are removed on the next run.
const tempMarker = ".tmp-"

// atomicFile is written as restic's local backend Save() does: a temp file
// in the target's folder, written, length checked, fsynced, closed, renamed,
// folder fsynced. Abort (and every failed step) removes the temp file.
type atomicFile struct {
	f     *os.File
	w     io.Writer
	n     int64
	final string
	// replace allows an existing final file to be replaced (metadata.json).
	replace bool
	// sync makes the written bytes durable: the file's Sync, or the
	// test seam that fails it.
	sync func(*os.File) error
}

// createAtomic opens a temp file next to final. wrap, when set, wraps the
// file's writer: the seam through which tests inject write failures.
func createAtomic(final string, wrap func(io.Writer) io.Writer) (*atomicFile, error) {
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(final)+tempMarker+"*")
	if err != nil {
		return nil, fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	a := &atomicFile{f: f, w: f, final: final, sync: (*os.File).Sync}
	if wrap != nil {
		a.w = wrap(f)
	}
	return a, nil
}

func (a *atomicFile) Write(p []byte) (int, error) {
	n, err := a.w.Write(p)
	a.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", a.f.Name(), err)
	}
	return n, nil
}

// Commit makes the file appear under its final name, durably. The final
// name must not exist yet.
func (a *atomicFile) Commit() (err error) {
	defer func() {
		if err != nil {
			a.Abort()
		}
	}()
	fi, err := a.f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", a.f.Name(), err)
	}
	if fi.Size() != a.n {
		return fmt.Errorf("write %s: wrote %d bytes but the file holds %d", a.f.Name(), a.n, fi.Size())
	}
	if err := a.sync(a.f); err != nil {
		return fmt.Errorf("fsync %s: %w", a.f.Name(), err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", a.f.Name(), err)
	}
	if _, err := os.Lstat(a.final); err == nil && !a.replace {
		return fmt.Errorf("%s already exists: refusing to overwrite it", a.final)
	}
	if err := os.Rename(a.f.Name(), a.final); err != nil {
		return fmt.Errorf("rename %s to %s: %w", a.f.Name(), a.final, err)
	}
	return syncDir(filepath.Dir(a.final))
}

// Abort closes and removes the temp file.
func (a *atomicFile) Abort() {
	_ = a.f.Close()
	_ = os.Remove(a.f.Name())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("fsync folder %s: %w", dir, err)
	}
	return nil
}

// writeFileAtomic replaces path with data atomically.
func writeFileAtomic(path string, data []byte) error {
	a, err := createAtomic(path, nil)
	if err != nil {
		return err
	}
	a.replace = true
	if _, err := a.Write(data); err != nil {
		a.Abort()
		return err
	}
	return a.Commit()
}

// removeLeftovers deletes temp files of interrupted writes in dir.
func removeLeftovers(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read folder %s: %w", dir, err)
	}
	var removed []string
	for _, e := range entries {
		if strings.Contains(e.Name(), tempMarker) {
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil {
				return removed, fmt.Errorf("remove leftover %s: %w", p, err)
			}
			removed = append(removed, p)
		}
	}
	return removed, nil
}
