package fleet

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// SeedName is the seed operation's name.
const SeedName = "seed"

// Seed loads the seed script ([tenancy] seed_file, or the built-in seed
// for the built-in schema) into each tenant database: the sql operation
// under its own name, statement by statement on one connection, the
// script recorded with the run.
type Seed struct {
	*SQL
}

// NewSeed reads the seed file ("" for the built-in seed) and returns the
// operation.
func NewSeed(file string, transaction bool, timeout time.Duration) (*Seed, error) {
	script, err := tenants.SeedSQL(file)
	if err != nil {
		return nil, err
	}
	name := file
	if name == "" {
		name = "the built-in seed"
	}
	op, err := NewSQL(name, script, transaction, timeout)
	if err != nil {
		return nil, err
	}
	return &Seed{op}, nil
}

func seedFactory(args json.RawMessage) (Operation, error) {
	op, err := sqlFactory(args)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return &Seed{op.(*SQL)}, nil
}

// Name implements Operation.
func (s *Seed) Name() string { return SeedName }

// Describe implements Operation.
func (s *Seed) Describe(t tenants.Tenant) string {
	return fmt.Sprintf("load %s (%d statements) into %s on %s", s.File, len(s.Statements()), t.Database, t.Server)
}
