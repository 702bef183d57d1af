package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with the configuration, named by its key.
type Problem struct {
	Key     string
	Message string
}

// Error lists every problem found in a configuration at once.
type Error struct {
	Path     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	where := "the configuration"
	if e.Path != "" {
		where = e.Path
	}
	fmt.Fprintf(&b, "%s has %d problem(s); fix them and run again:", where, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Key, p.Message)
	}
	return b.String()
}

type problems []Problem

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err(path string) error {
	if len(p) == 0 {
		return nil
	}
	sorted := append([]Problem(nil), p...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	return &Error{Path: path, Problems: sorted}
}
