package perf

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Save writes the report as JSON to dir/<started time>.json and returns the path.
func (r *Report) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, r.Started.UTC().Format("20060102T150405.000Z")+".json")
	return path, r.WriteFile(path)
}

// WriteFile writes the report to path: Markdown when it ends in .md,
// JSON otherwise. It writes a temporary file and renames it into place.
func (r *Report) WriteFile(path string) error {
	write := r.WriteJSON
	if strings.HasSuffix(strings.ToLower(path), ".md") {
		write = r.WriteMarkdown
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".perf-report-*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}
