package fleet

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"

	"github.com/tenancy-dev/tenancy/tenants"
)

// MigrateName is the migrate operation's name.
const MigrateName = "migrate"

// Direction is what a migrate run does.
type Direction string

// Directions.
const (
	Up   Direction = "up"   // apply pending migrations (up to To)
	Down Direction = "down" // roll back the latest one (or down to To)
	Redo Direction = "redo" // roll back the latest one and apply it again
)

// Migrate runs goose in each tenant database, over the built-in schema or
// [tenancy] migrations_dir. Goose records each version it applies in the
// tenant's goose_db_version, so an item retried after its process died
// applies only what is still pending.
type Migrate struct {
	Direction Direction `json:"direction"`
	// To: up to this version (nil: the latest); down to this version,
	// not included (nil: one step). Redo takes none.
	To         *int64      `json:"to,omitempty"`
	Migrations *Migrations `json:"migrations"`
	// Timeout limits each tenant; 0 is no limit.
	Timeout time.Duration `json:"timeout_ns,omitempty"`
	// Selected is how many tenants the selection held when the run was
	// created and NothingToDo how many of them were left out because
	// their versions, read in batch, showed nothing to do.
	Selected    int `json:"selected,omitempty"`
	NothingToDo int `json:"nothing_to_do,omitempty"`

	// status is the batch read behind the run, for Describe.
	status map[string]TenantVersion
}

// NewMigrate checks the arguments and returns the operation.
func NewMigrate(m *Migrations, dir Direction, to *int64, timeout time.Duration) (*Migrate, error) {
	switch dir {
	case Up, Down:
	case Redo:
		if to != nil {
			return nil, fmt.Errorf("migrate redo takes no --to: it rolls back the latest migration and applies it again")
		}
	default:
		return nil, fmt.Errorf("migrate %q: use up, down, redo or status", dir)
	}
	if to != nil && (*to < 0 || dir == Up && *to == 0) {
		return nil, fmt.Errorf("--to %d: give a version above 0 for up, 0 or more for down", *to)
	}
	return &Migrate{Direction: dir, To: to, Migrations: m, Timeout: timeout}, nil
}

func migrateFactory(args json.RawMessage) (Operation, error) {
	var m Migrate
	if err := json.Unmarshal(args, &m); err != nil {
		return nil, fmt.Errorf("migrate run's recorded arguments: %w", err)
	}
	if m.Migrations == nil {
		return nil, errors.New("migrate run's recorded arguments hold no migrations")
	}
	if err := m.Migrations.index(); err != nil {
		return nil, err
	}
	return NewMigrateWith(m)
}

// NewMigrateWith rebuilds a recorded operation, keeping its counts.
func NewMigrateWith(m Migrate) (*Migrate, error) {
	op, err := NewMigrate(m.Migrations, m.Direction, m.To, m.Timeout)
	if err != nil {
		return nil, err
	}
	op.Selected, op.NothingToDo = m.Selected, m.NothingToDo
	return op, nil
}

// Name implements Operation.
func (m *Migrate) Name() string { return MigrateName }

// Args implements Operation.
func (m *Migrate) Args() any { return m }

// target is the version up applies to (0: the latest).
func (m *Migrate) target() int64 {
	if m.Direction == Up && m.To != nil {
		return *m.To
	}
	return 0
}

// Goal says in a few words where the run takes tenants.
func (m *Migrate) Goal() string {
	switch {
	case m.Direction == Up && m.To != nil:
		return fmt.Sprintf("up to version %d of %s", *m.To, m.Migrations.Source)
	case m.Direction == Up:
		return fmt.Sprintf("up to the latest version (%d) of %s", m.Migrations.Latest(), m.Migrations.Source)
	case m.Direction == Down && m.To != nil:
		return fmt.Sprintf("down to version %d of %s", *m.To, m.Migrations.Source)
	case m.Direction == Down:
		return "down one migration of " + m.Migrations.Source
	}
	return "redo the latest migration of " + m.Migrations.Source
}

// hasWork reports whether the operation would change the tenant; a
// tenant that could not be read has work (its item says why).
func (m *Migrate) hasWork(v TenantVersion) bool {
	switch {
	case v.Error != "":
		return true
	case m.Direction == Up:
		return v.Behind(m.target())
	case m.Direction == Down && m.To != nil:
		return v.Version > *m.To
	}
	return v.Version > 0
}

// Describe implements Operation.
func (m *Migrate) Describe(t tenants.Tenant) string {
	v, ok := m.status[t.ID]
	if !ok || v.Error != "" {
		return "migrate " + m.Goal()
	}
	switch m.Direction {
	case Up:
		p := v.PendingTo(m.target())
		return fmt.Sprintf("version %d → %d: apply %s", v.Version, p[len(p)-1], m.fileList(p))
	case Down:
		var back []int64
		for i := len(v.Applied) - 1; i >= 0 && (m.To == nil && len(back) == 0 || m.To != nil && v.Applied[i] > *m.To); i-- {
			back = append(back, v.Applied[i])
		}
		return fmt.Sprintf("version %d: roll back %s", v.Version, m.fileList(back))
	}
	return fmt.Sprintf("version %d: roll back and apply again %s", v.Version, m.fileList([]int64{v.Version}))
}

func (m *Migrate) fileList(vs []int64) string {
	var names []string
	for _, v := range vs {
		if n := m.Migrations.FileName(v); n != "" {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("version %d (no file)", v))
		}
	}
	if len(names) > 3 {
		names = append(names[:2], fmt.Sprintf("… %d more", len(names)-2))
	}
	return strings.Join(names, ", ")
}

// Do implements Operation.
func (m *Migrate) Do(ctx context.Context, env Env, t tenants.Tenant) (Result, error) {
	if m.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.Timeout)
		defer cancel()
	}
	db, err := openTenantPool(ctx, env, t)
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	p, err := m.Migrations.provider(db)
	if err != nil {
		return Result{}, err
	}
	var done []*goose.MigrationResult
	switch m.Direction {
	case Up:
		if m.To != nil {
			done, err = p.UpTo(ctx, *m.To)
		} else {
			done, err = p.Up(ctx)
		}
	case Down:
		if m.To != nil {
			done, err = p.DownTo(ctx, *m.To)
		} else {
			var r *goose.MigrationResult
			if r, err = p.Down(ctx); r != nil {
				done = append(done, r)
			}
			if errors.Is(err, goose.ErrNoNextVersion) {
				err = nil
			}
		}
	case Redo:
		done, err = redo(ctx, p)
	}
	return m.result(t, done, err)
}

func redo(ctx context.Context, p *goose.Provider) ([]*goose.MigrationResult, error) {
	v, err := p.GetDBVersion(ctx)
	if err != nil || v == 0 {
		return nil, err
	}
	var done []*goose.MigrationResult
	for _, up := range []bool{false, true} {
		r, err := p.ApplyVersion(ctx, v, up)
		if r != nil {
			done = append(done, r)
		}
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// result turns goose's results into the item's result and error: the
// migrations run, and for a failure the file and the server's error.
func (m *Migrate) result(t tenants.Tenant, done []*goose.MigrationResult, err error) (Result, error) {
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		done = partial.Applied
	}
	var names []string
	for _, r := range done {
		if r.Error == nil {
			names = append(names, r.Direction+" "+baseName(r.Source.Path))
		}
	}
	res := Result{Statements: len(names)}
	switch {
	case len(names) == 0 && err == nil:
		res.Summary = "nothing to do"
	case len(names) > 0:
		res.Summary = fmt.Sprintf("%d migration(s): %s", len(names), strings.Join(names, ", "))
	}
	if err == nil {
		return res, nil
	}
	if partial != nil {
		return res, fmt.Errorf("migration %s %s in %s: %w", baseName(partial.Failed.Source.Path), partial.Failed.Direction, t.Database, partial.Err)
	}
	return res, fmt.Errorf("migrate %s in %s: %w", m.Direction, t.Database, err)
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// openTenantPool opens a pool of one connection on the tenant's database
// (goose wants a *sql.DB; it uses one connection at a time), checked
// with a ping, so the item holds exactly one connection on its server. A
// server that does not answer gives a *ServerDownError.
func openTenantPool(ctx context.Context, env Env, t tenants.Tenant) (*sql.DB, error) {
	mc, err := env.Servers.MySQLConfig(t.Server, t.Database)
	if err != nil {
		return nil, err
	}
	mc = mc.Clone()
	mc.MultiStatements = false
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second
	}
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", t.Server, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		var me *mysql.MySQLError
		if errors.As(err, &me) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to %s on server %s: %w", t.Database, t.Server, err)
		}
		return nil, &ServerDownError{Server: t.Server, Err: err}
	}
	return db, nil
}
